/*
 * rnats: compatibility forwarder.
 *
 * Older programs include <nats.h>; the header now lives at <nats/nats.h>.
 * Prefer including <nats/nats.h> directly.
 */
#ifndef RNATS_FORWARD_NATS_H_
#define RNATS_FORWARD_NATS_H_

#include "nats/nats.h"

#endif /* RNATS_FORWARD_NATS_H_ */

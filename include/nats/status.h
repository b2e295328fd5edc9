/*
 * rnats: <nats/status.h>.
 *
 * The status enums (natsStatus, natsConnStatus) are defined in the
 * generated <nats/nats.h>; this file exists for programs that include
 * <nats/status.h> on its own, as cnats allows.
 */
#ifndef RNATS_STATUS_H_
#define RNATS_STATUS_H_

#include "nats.h"

#endif /* RNATS_STATUS_H_ */

/*
 * rnats: <nats/version.h>.
 *
 * The NATS_VERSION_* macros and nats_CheckCompatibility() are defined in
 * the generated <nats/nats.h>; this file exists for programs that include
 * <nats/version.h> on its own, as cnats allows.
 */
#ifndef RNATS_VERSION_H_
#define RNATS_VERSION_H_

#include "nats.h"

#endif /* RNATS_VERSION_H_ */

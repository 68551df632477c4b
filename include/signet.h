/*
 * libsignet: sign container images and verify them, in the formats of cosign and
 * containers/image. Returns error codes, never prints, never exits.
 */
#ifndef SIGNET_H
#define SIGNET_H

#include "signet/common.h"
#include "signet/errors.h"
#include "signet/ctx.h"
#include "signet/buf.h"
#include "signet/key.h"
#include "signet/sign.h"
#include "signet/file.h"
#include "signet/reference.h"
#include "signet/registry.h"
#include "signet/cosign.h"
#include "signet/gpg.h"
#include "signet/policy.h"
#include "signet/kbs.h"
#include "signet/registries_d.h"

#endif

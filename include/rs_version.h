/* SPDX-License-Identifier: GPL-2.0 */
/* revokestorm's version, as --version, KTAP, results.json and reports print it. */
#ifndef RS_VERSION_H
#define RS_VERSION_H

#ifndef RS_VERSION
#define RS_VERSION	"0.1"
#endif

#endif /* RS_VERSION_H */

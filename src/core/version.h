/*
 * version.h: the one definition of seam's version, for `seam version`, GET /, the
 * seam_build_info metric and the start-up log line. A build may override it
 * (-DSEAM_VERSION=\"1.2.3\"). Thread-safety: a constant.
 */
#ifndef SEAM_CORE_VERSION_H
#define SEAM_CORE_VERSION_H

#ifndef SEAM_VERSION
#define SEAM_VERSION "0.1.0"
#endif

#endif

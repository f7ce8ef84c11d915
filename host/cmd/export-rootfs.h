/* SPDX-License-Identifier: MIT */
/*
 * A flattened filesystem tarball made ready for HPC runtimes: the image's
 * config written where Charliecloud and Apptainer read it.
 */
#ifndef PAKS_EXPORT_ROOTFS_H
#define PAKS_EXPORT_ROOTFS_H

#include <jansson.h>

/* Copy the tar archive at in to out, dropping the entries that the
 * runtime files replace, and append /ch and /.singularity.d made from
 * config (an image's Config object; may be NULL) and arch.  Returns 0 or
 * -errno, with *cause set (malloc'd) on failure. */
int export_rootfs_tar(const char *in, const char *out, json_t *config,
		      const char *arch, char **cause);
/* The text of Charliecloud's /ch/environment for config's Env. */
char *export_ch_environment(json_t *config);
/* The text of Apptainer's /.singularity.d/env/10-docker2singularity.sh. */
char *export_sif_env(json_t *config);
/* The text of Apptainer's /.singularity.d/runscript. */
char *export_sif_runscript(json_t *config);

#endif

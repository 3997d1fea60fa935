/*
 * samples: the sample appeal `tocsin init` copies into a new workspace.
 */
#ifndef TOCSIN_SAMPLES_H
#define TOCSIN_SAMPLES_H

#include <stddef.h>

#include "err.h"

/* The folder that holds the samples (templates/urgent-appeal/,
 * cases/example.json) into out: $TOCSIN_DATADIR when set, else the
 * program's own folder (a source tree), else the installed data folder.
 * -1 when none has them. */
int samples_find(char *out, size_t size);

/* Copy the samples from the folder from into the workspace to, keeping
 * any file that is there already; *copied says how many were copied. */
int samples_copy(const char *from, const char *to, unsigned *copied,
                 struct merr *err);

#endif

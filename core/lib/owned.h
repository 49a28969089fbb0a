/* SPDX-License-Identifier: MIT */
/*
 * owned.h: folders and files that only this user controls.  A state
 * folder (dtd's, dt-run's, the local platform's) or a token that another
 * user can write is a way in: they could plant a state file naming what
 * a cleanup removes or signals, or a token that dtd then accepts.  So DT
 * checks each before it trusts what it holds.
 */
#ifndef DT_CORE_OWNED_H
#define DT_CORE_OWNED_H

#include <stdbool.h>

/*
 * A folder of this user's own: a directory (not a symbolic link), owned
 * by the effective uid, not writable by group or others, whose parent
 * folders no one else can rename it out of (each owned by root or this
 * user, and sticky where others may write, as /tmp).  With create, a
 * missing folder is made (mode 0700, parents 0755).  0, or -1 with err
 * saying what is wrong and what to do; `what` names the folder in it
 * ("state folder").
 */
int dt_owned_dir(const char *path, const char *what, bool create, char *err);

/*
 * An open file of this user's own: a regular file owned by the effective
 * uid, not writable by group or others and, when secret, not readable by
 * them either.  0, or -1 with err naming path.
 */
int dt_owned_file(int fd, const char *path, const char *what, bool secret,
		  char *err);

#endif

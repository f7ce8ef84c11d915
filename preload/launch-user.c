/* SPDX-License-Identifier: MIT */
/*
 * The shell's user, as the launcher applies it: USER[:GROUP] (names or
 * numbers, as the engines' --user takes them) looked up in the image's own
 * /etc/passwd and /etc/group with fgetpwent(3) and fgetgrent(3), since the
 * launcher is static and has no NSS; then groups, gid and uid dropped in
 * that order.
 */
#include <sys/types.h>

#include <grp.h>
#include <pwd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"

/* NAME, or a number as the engines' --user takes it. */
static int parse_id(const char *name, long *num)
{
	char *end;

	*num = strtol(name, &end, 10);
	return *name && *end == '\0';
}

/* Look NAME (or a number) up in the image's /etc/passwd.  The launcher is
 * static, so it reads the file with fgetpwent(3) rather than through NSS. */
static int lookup_user(const char *name, long *uid, long *gid, char *home,
		       size_t homelen)
{
	FILE *f = launch_fopen_regular("/etc/passwd");
	struct passwd *pw;
	long num;
	int numeric = parse_id(name, &num);

	while (f && (pw = fgetpwent(f))) {
		if (strcmp(pw->pw_name, name) == 0 ||
		    (numeric && (long)pw->pw_uid == num)) {
			*uid = (long)pw->pw_uid;
			*gid = (long)pw->pw_gid;
			snprintf(home, homelen, "%s", pw->pw_dir);
			fclose(f);
			return 0;
		}
	}
	if (f)
		fclose(f);
	return numeric ? (*uid = num, 0) : -1;
}

/* The same for a group in the image's /etc/group, with fgetgrent(3). */
static int lookup_group(const char *name, long *gid)
{
	FILE *f = launch_fopen_regular("/etc/group");
	struct group *gr;
	long num;
	int numeric = parse_id(name, &num);

	while (f && (gr = fgetgrent(f))) {
		if (strcmp(gr->gr_name, name) == 0 ||
		    (numeric && (long)gr->gr_gid == num)) {
			*gid = (long)gr->gr_gid;
			fclose(f);
			return 0;
		}
	}
	if (f)
		fclose(f);
	return numeric ? (*gid = num, 0) : -1;
}

/* Supplementary groups: the groups of /etc/group that list the user. */
static int set_groups(const char *user, gid_t gid)
{
	FILE *f = launch_fopen_regular("/etc/group");
	struct group *gr;
	gid_t groups[64];
	size_t n = 0;

	groups[n++] = gid;
	while (f && n < 64 && (gr = fgetgrent(f))) {
		for (char **m = gr->gr_mem; m && *m && n < 64; m++) {
			if (strcmp(*m, user) == 0)
				groups[n++] = gr->gr_gid;
		}
	}
	if (f)
		fclose(f);
	return setgroups(n, groups);
}

/* USER[:GROUP], names or numbers, as the engines' --user takes it, in the
 * image's own files.  0, or -1 after saying why. */
int launch_resolve_user(const char *spec, struct user *u)
{
	char *colon;
	long g;

	memset(u, 0, sizeof(*u));
	u->uid = u->gid = -1;
	snprintf(u->name, sizeof(u->name), "%s", spec);
	colon = strchr(u->name, ':');
	if (colon)
		*colon++ = '\0';
	if (lookup_user(u->name, &u->uid, &u->gid, u->home, sizeof(u->home)) <
	    0) {
		fprintf(stderr, "paks: no user '%s' in the container\n",
			u->name);
		return -1;
	}
	if (colon && *colon) {
		if (lookup_group(colon, &g) < 0) {
			fprintf(stderr,
				"paks: no group '%s' in the "
				"container\n",
				colon);
			return -1;
		}
		u->gid = g;
	}
	if (u->gid < 0)
		u->gid = u->uid;
	return 0;
}

/* Become the user: groups first, then gid, then uid, each needing the
 * privilege the next one drops.  A failure keeps root's groups, so it is
 * fatal.  0, or -1 after saying why. */
int launch_become_user(const struct user *u)
{
	if (getuid() == 0 && set_groups(u->name, (gid_t)u->gid) < 0) {
		fprintf(stderr, "paks: cannot set the groups of '%s': %s\n",
			u->name, strerror(errno));
		return -1;
	}
	if (setgid((gid_t)u->gid) < 0 || setuid((uid_t)u->uid) < 0) {
		fprintf(stderr, "paks: cannot become user '%s': %s\n", u->name,
			strerror(errno));
		return -1;
	}
	if (*u->home)
		setenv("HOME", u->home, 1);
	return 0;
}

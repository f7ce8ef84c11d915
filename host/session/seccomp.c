/* SPDX-License-Identifier: MIT */
/*
 * The seccomp profile that keeps processes in the container from typing
 * into the shell's terminal.  TIOCSTI pushes bytes into a terminal's input
 * queue as if they were typed; any process that shares the shell's
 * terminal could so type a `#` line at the prompt (Flatpak's
 * CVE-2017-5226).  TIOCLINUX can do the same on a virtual console.  The
 * kernel refuses both only with dev.tty.legacy_tiocsti=0 (Linux 6.2 on).
 *
 * The engine's own default profile gets both ioctls refused with EPERM.
 * libseccomp drops a conditional rule for a syscall that an unconditional
 * rule already allows (runc and crun build their filters with it), so the
 * profile's plain "allow ioctl" is replaced by rules that allow it for
 * every request but these two.  The kernel takes the request as an
 * unsigned int, so every comparison looks at its low 32 bits only: a
 * plain 64-bit compare is bypassed by setting a high bit (Flatpak's
 * CVE-2019-10063).  Allow rules can only test for equality, so "the low 32
 * bits are neither TIOCSTI nor TIOCLINUX" is written as one rule per bit
 * that both requests have alike (allowed when that bit differs), and one
 * per other value of the bits where they differ.
 *
 * The profile also leaves out the x32 ABI (x86-64 code with 32-bit
 * pointers, its system calls marked by bit 30 of the number).  libseccomp
 * compiles every rule once more for each architecture a profile names,
 * and on an x86-64 engine x32 is a third of that work: about 5 ms of each
 * container's start (docs/performance.md has the measure).  Debian's, Ubuntu's
 * and Fedora's kernels turn x32 off (Debian's without syscall.x32=y on the
 * command line), so its calls fail with ENOSYS anyway; under the profile the
 * filter kills the caller instead.
 *
 * The derived profile is cached under $XDG_CACHE_HOME/paks/seccomp, a
 * host-only path, with a key file listing what it was derived from, so
 * that a start costs a few stats.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "engine.h"
#include "seccomp.h"
#include "session.h"

#define SECCOMP_KEY_VERSION "paks-seccomp 2"
#define PAKS_RULE_COMMENT   "paks: no typing into the terminal"

/* moby's default profile, built in from contrib/seccomp (Apache-2.0, see
 * the README there); NUL-ended. */
__asm__(".section .rodata\n"
	".balign 16\n"
	"paks_moby_profile:\n"
	".incbin \"" PAKS_SOURCE_DIR "/contrib/seccomp/moby-default.json\"\n"
	"paks_moby_profile_end:\n"
	".byte 0\n"
	".previous\n");
extern const char paks_moby_profile[], paks_moby_profile_end[];

const char *seccomp_moby_default(size_t *len)
{
	*len = (size_t)(paks_moby_profile_end - paks_moby_profile);
	return paks_moby_profile;
}

bool seccomp_tiocsti_open(void)
{
	cleanup_free char *v = NULL;

	/* Absent before Linux 6.2, where TIOCSTI always works. */
	if (read_file("/proc/sys/dev/tty/legacy_tiocsti", 64, &v, NULL) < 0)
		return true;
	return v[0] != '0';
}

/* --- deriving the profile ------------------------------------------------ */

/* One rule for ioctl: ACTION when the request masked with MASK is VALUE. */
static json_t *ioctl_rule(const char *action, uint32_t mask, uint32_t value)
{
	return json_pack("{s:[s], s:s, s:[{s:i, s:I, s:I, s:s}], s:s}", "names",
			 "ioctl", "action", action, "args", "index", 1, "value",
			 (json_int_t)mask, "valueTwo", (json_int_t)value, "op",
			 "SCMP_CMP_MASKED_EQ", "comment", PAKS_RULE_COMMENT);
}

static void add_allow(json_t *rules, uint32_t mask, uint32_t value,
		      json_t *from)
{
	json_t *r = ioctl_rule("SCMP_ACT_ALLOW", mask, value);

	/* The conditions the replaced rule came with (architectures,
	 * capabilities, kernel version) hold for its replacements too. */
	if (json_object_get(from, "includes"))
		json_object_set(r, "includes",
				json_object_get(from, "includes"));
	if (json_object_get(from, "excludes"))
		json_object_set(r, "excludes",
				json_object_get(from, "excludes"));
	json_array_append_new(rules, r);
}

/* Allow rules that together match every request whose low 32 bits are
 * neither A nor B. */
static void add_allow_all_but(json_t *rules, uint32_t a, uint32_t b,
			      json_t *from)
{
	uint32_t differ = a ^ b;

	for (int bit = 0; bit < 32; bit++) {
		uint32_t m = UINT32_C(1) << bit;
		if (!(differ & m))
			add_allow(rules, m, ~a & m, from);
	}
	/* Every value of the differing bits (a submask of differ) but a's
	 * and b's. */
	for (uint32_t v = differ;; v = (v - 1) & differ) {
		if (v != (a & differ) && v != (b & differ))
			add_allow(rules, differ, v, from);
		if (v == 0)
			break;
	}
}

static void add_refuse(json_t *rules, uint32_t request)
{
	json_t *r = ioctl_rule("SCMP_ACT_ERRNO", UINT32_MAX, request);

	json_object_set_new(r, "errnoRet", json_integer(EPERM));
	json_array_append_new(rules, r);
}

/* true when entry E names syscall NAME (in "names", or the older
 * "name"); with only, when that is the only one it names. */
static bool entry_names(json_t *e, const char *name, bool *only)
{
	json_t *names = json_object_get(e, "names");
	json_t *v;
	size_t i;
	bool found = false;

	if (json_is_string(json_object_get(e, "name")) &&
	    str_eq(json_string_value(json_object_get(e, "name")), name)) {
		*only = !json_array_size(names);
		return true;
	}
	json_array_foreach(names, i, v)
	{
		found |=
		    json_is_string(v) && str_eq(json_string_value(v), name);
	}
	*only = found && json_array_size(names) == 1;
	return found;
}

static void remove_name(json_t *e, const char *name)
{
	json_t *names = json_object_get(e, "names");

	for (size_t i = json_array_size(names); i-- > 0;) {
		json_t *v = json_array_get(names, i);
		if (json_is_string(v) && str_eq(json_string_value(v), name))
			json_array_remove(names, i);
	}
}

/* An unconditional allow: action ALLOW and no argument conditions. */
static bool plain_allow(json_t *e)
{
	const char *action = json_string_value(json_object_get(e, "action"));

	return action && str_eq(action, "SCMP_ACT_ALLOW") &&
	       json_array_size(json_object_get(e, "args")) == 0;
}

static bool derived_already(json_t *syscalls)
{
	size_t i;
	json_t *e;

	json_array_foreach(syscalls, i, e)
	{
		const char *c =
		    json_string_value(json_object_get(e, "comment"));
		if (c && str_eq(c, PAKS_RULE_COMMENT))
			return true;
	}
	return false;
}

/* Take ioctl out of the profile's rules: the one plain allow that names
 * it comes back in *allow (a reference), NULL when none does.  -1 with
 * *cause when ioctl has rules paks cannot rewrite. */
static int take_ioctl(json_t *syscalls, json_t **allow, char **cause)
{
	*allow = NULL;
	for (size_t i = 0; i < json_array_size(syscalls); i++) {
		json_t *e = json_array_get(syscalls, i);
		bool only;
		if (!json_is_object(e)) {
			*cause = xasprintf("entry %zu of \"syscalls\" is not "
					   "an object",
					   i + 1);
			return -1;
		}
		if (!entry_names(e, "ioctl", &only))
			continue;
		if (!plain_allow(e) || *allow) {
			*cause = xstrdup("its own rules for ioctl are not one "
					 "plain allow");
			return -1;
		}
		if (only) {
			*allow = json_incref(e);
			json_array_remove(syscalls, i--);
		} else {
			/* The entry goes on for its other syscalls. */
			*allow = json_deep_copy(e);
			remove_name(e, "ioctl");
		}
	}
	return 0;
}

static void remove_x32(json_t *list)
{
	for (size_t i = json_array_size(list); i-- > 0;) {
		const char *a = json_string_value(json_array_get(list, i));
		if (a && str_eq(a, "SCMP_ARCH_X32"))
			json_array_remove(list, i);
	}
}

/* x32 out of the architectures the profile names: as a sub-architecture
 * in "archMap" and in the older top-level "architectures". */
static void drop_x32(json_t *root)
{
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(root, "archMap"), i, m)
	{
		remove_x32(json_object_get(m, "subArchitectures"));
	}
	remove_x32(json_object_get(root, "architectures"));
}

int seccomp_derive(const char *profile, size_t len, char **out, char **cause)
{
	json_error_t jerr;
	json_t *root = json_loadb(profile, len, 0, &jerr);
	json_t *syscalls = json_object_get(root, "syscalls");
	json_t *allow = NULL;
	int r = -1;

	if (!root) {
		*cause =
		    xasprintf("not JSON: %s (line %d)", jerr.text, jerr.line);
		return -1;
	}
	if (!json_is_array(syscalls)) {
		*cause = xstrdup("not a seccomp profile: no \"syscalls\" list");
		goto out;
	}
	if (!derived_already(syscalls)) {
		if (take_ioctl(syscalls, &allow, cause) < 0)
			goto out;
		/* No plain allow: ioctl falls to the default action, which
		 * the refusals narrow when it allows. */
		if (allow)
			add_allow_all_but(syscalls, TIOCSTI, TIOCLINUX, allow);
		add_refuse(syscalls, TIOCSTI);
		add_refuse(syscalls, TIOCLINUX);
	}
	drop_x32(root);
	*out = json_dumps(root, JSON_COMPACT);
	r = *out ? 0 : -1;
	if (r < 0)
		*cause = xstrdup("cannot write the profile");
out:
	json_decref(allow);
	json_decref(root);
	return r;
}

/* --- the cache ----------------------------------------------------------- */

/* ENGINE-HASH, HASH of what the engine finds its configuration by: the
 * cache's files for one context, so that sessions run with another
 * CONTAINERS_CONF (or as another user) neither share nor replace them. */
static char *cache_name(const struct session *s)
{
	uint64_t h = FNV1A_INIT;
	char uid[32];

	snprintf(uid, sizeof(uid), "%u", (unsigned)geteuid());
	h = fnv1a_str(h, uid);
	h = fnv1a_str(h, getenv("CONTAINERS_CONF"));
	h = fnv1a_str(h, getenv("CONTAINERS_CONF_OVERRIDE"));
	h = fnv1a_str(h, getenv("XDG_CONFIG_HOME"));
	h = fnv1a_str(h, getenv("HOME"));
	return xasprintf("%s-%016llx", s->eng.engine->name,
			 (unsigned long long)h);
}

/* "file<TAB>PATH<TAB>SIGNATURE": a change of the file (or its coming or
 * going) changes the line. */
static void key_file_line(struct buf *key, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		buf_printf(key, "file\t%s\t-\n", path);
		return;
	}
	buf_printf(key, "file\t%s\t%llu:%llu:%lld:%lld.%09ld\n", path,
		   (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		   (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		   st.st_mtim.tv_nsec);
}

static char *builtin_line(void)
{
	size_t n;
	const char *p = seccomp_moby_default(&n);

	return xasprintf(
	    "builtin\t%016llx\n",
	    (unsigned long long)fnv1a(UINT64_C(0xcbf29ce484222325), p, n));
}

/* true when line L of a key (without its newline) still holds: the file
 * it names is as it was, the built-in profile is the same. */
static bool key_line_holds(const char *l)
{
	struct buf now = {0};
	bool same;

	if (str_has_prefix(l, "file\t")) {
		cleanup_free char *path = xstrdup(l + 5);
		path[strcspn(path, "\t")] = '\0';
		key_file_line(&now, path);
	} else if (str_has_prefix(l, "builtin\t")) {
		cleanup_free char *b = builtin_line();
		buf_printf(&now, "%s", b);
	} else {
		return false;
	}
	same =
	    now.len == strlen(l) + 1 && memcmp(now.data, l, now.len - 1) == 0;
	buf_free(&now);
	return same;
}

/* The verdict of a fresh key: 0 "profile", 1 "off" (with *cause), -1
 * when the key is missing or stale. */
static int key_check(const char *key_path, const char *header, char **cause)
{
	cleanup_free char *txt = NULL;
	size_t hn = strlen(header);
	char *save = NULL;
	int verdict = -1;

	if (read_file(key_path, 1 << 16, &txt, NULL) < 0 ||
	    strncmp(txt, header, hn) != 0 || txt[hn] != '\n')
		return -1;
	for (char *l = strtok_r(txt + hn + 1, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (str_eq(l, "profile")) {
			verdict = 0;
		} else if (str_has_prefix(l, "off\t")) {
			free(*cause);
			*cause = xstrdup(l + 4);
			verdict = 1;
		} else if (!key_line_holds(l)) {
			return -1;
		}
	}
	return verdict;
}

/* The engine's default profile: its file (*from names it) or the moby
 * copy paks ships.  0, 1 when the engine's configuration turns seccomp
 * off; the key gets what the answer depends on. */
static int source_profile(const struct session *s, struct buf *key, char **text,
			  size_t *len, char **from, char **cause)
{
	struct strv deps = {0};
	cleanup_free char *path = NULL;
	int r = s->eng.engine->seccomp_default(&s->eng, &deps, &path);

	for (size_t i = 0; i < deps.n; i++)
		key_file_line(key, deps.v[i]);
	strv_free(&deps);
	if (r == 1) {
		*cause = xasprintf("%s turns seccomp off (seccomp_profile "
				   "in %s)",
				   s->eng.engine->name, path);
		return 1;
	}
	if (path) {
		key_file_line(key, path);
		if (read_file(path, 1 << 22, text, len) == 0) {
			*from = steal_pointer(&path);
			return 0;
		}
	}
	/* dockerd's builtin default, or podman's when its file is gone. */
	{
		cleanup_free char *b = builtin_line();
		buf_printf(key, "%s", b);
	}
	*text = xstrdup(seccomp_moby_default(len));
	*from = xstrdup("moby's default profile");
	return 0;
}

/* Derive the profile and write it and its key (the profile first: a key
 * never names a profile older than itself). */
static int derive_and_cache(const struct session *s, const char *header,
			    const char *key_path, const char *prof_path,
			    char **cause)
{
	struct buf key = {0};
	cleanup_free char *text = NULL;
	cleanup_free char *from = NULL;
	cleanup_free char *derived = NULL;
	size_t len = 0;
	int r;

	buf_printf(&key, "%s\n", header);
	r = source_profile(s, &key, &text, &len, &from, cause);
	if (r == 0 && seccomp_derive(text, len, &derived, cause) < 0) {
		char *c = xasprintf("cannot derive a profile from %s: %s", from,
				    *cause);
		free(*cause);
		*cause = c;
		r = 1;
	}
	if (r == 0) {
		r = write_file_atomic(prof_path, derived, strlen(derived),
				      0600);
		if (r < 0) {
			*cause = xasprintf("cannot write %s: %s", prof_path,
					   strerror(-r));
			buf_free(&key);
			return 1;
		}
		buf_printf(&key, "profile\n");
	} else {
		buf_printf(&key, "off\t%s\n", *cause);
	}
	/* A key that cannot be written only means deriving again. */
	write_file_atomic(key_path, key.data, key.len, 0600);
	buf_free(&key);
	return r;
}

int seccomp_profile(const struct session *s, char **path, char **cause)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *name = NULL;
	cleanup_free char *header = NULL;
	cleanup_free char *key_path = NULL;
	char *prof_path;
	int r;

	*cause = NULL;
	if (access("/proc/sys/kernel/seccomp/actions_avail", F_OK) < 0) {
		*cause = xstrdup("the kernel has no seccomp filters");
		return 1;
	}
	dir = paks_cache_dir("seccomp");
	name = cache_name(s);
	header = xasprintf("%s %s", SECCOMP_KEY_VERSION, name);
	key_path = xasprintf("%s/%s.key", dir, name);
	prof_path = xasprintf("%s/%s.json", dir, name);
	r = key_check(key_path, header, cause);
	if (r == 0 && access(prof_path, R_OK) < 0)
		r = -1;
	if (r < 0) {
		free(*cause);
		*cause = NULL;
		r = derive_and_cache(s, header, key_path, prof_path, cause);
	}
	if (r == 0)
		*path = prof_path;
	else
		free(prof_path);
	return r;
}

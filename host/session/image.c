/* SPDX-License-Identifier: MIT */
/*
 * The image a session runs: load it from an #export archive, pull it when
 * it is not here, and inspect it for its id, author and original config.
 * A name run before is taken from the image cache, so the container starts
 * at once; `image inspect` checks the name beside that start, and the
 * session starts again in the rare case that the name now means an image
 * that needs another command line.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "engine.h"
#include "image-cache.h"
#include "image.h"
#include "log.h"
#include "proc.h"
#include "session.h"

/* Take the id, config, author and comment from one image object of
 * `inspect`. */
static void image_take(struct session *s, json_t *img)
{
	json_t *cfg = json_object_get(img, "Config");
	const char *author = json_string_value(json_object_get(img, "Author"));
	const char *comment =
	    json_string_value(json_object_get(img, "Comment"));

	s->image_id = xstrdup(json_string_value(json_object_get(img, "Id")));
	s->image_config = cfg ? json_incref(cfg) : json_object();
	free(s->image_author);
	/* A squashed docker save is an import, which has a comment but no
	 * author: both carry the paks save mark. */
	s->image_author =
	    xasprintf("%s%s%s", author ? author : "",
		      comment && *comment ? "\n" : "", comment ? comment : "");
}

/* An API that failed once (it may have made paks wait for its deadline)
 * is not asked again by this process. */
static bool api_down;

/* How long a question to the API may take when paks waits for it. */
#define INSPECT_TIMEOUT_MS 10000

/* Ask the engine's API about REF, when it has one: the connection, whose
 * answer api_take reads, or -1 when only the CLI can tell. */
static int api_ask(const struct engine_handle *h, const char *ref)
{
	int fd = -1;

	if (h->engine->api_image_ask && !api_down)
		fd = h->engine->api_image_ask(h, ref);
	api_down |= fd < 0;
	return fd;
}

/* Its answer on fd (closed here) within ms: 0 with *img (the image
 * object), 1 when there is no such image, -1 when only the CLI can
 * tell. */
static int api_take(const struct engine_handle *h, int fd, int ms, json_t **img)
{
	struct buf body = {0};
	int r = h->engine->api_image_answer(fd, ms, &body);

	close(fd);
	*img = NULL;
	if (r == 0) {
		*img =
		    json_loadb(body.data ? body.data : "", body.len, 0, NULL);
		if (!json_is_object(*img) ||
		    !json_is_string(json_object_get(*img, "Id"))) {
			json_decref(*img);
			*img = NULL;
			r = -1;
		}
	}
	api_down |= r < 0;
	buf_free(&body);
	return r;
}

static int api_inspect(const struct engine_handle *h, const char *ref,
		       json_t **img)
{
	int fd = api_ask(h, ref);

	*img = NULL;
	return fd < 0 ? -1 : api_take(h, fd, INSPECT_TIMEOUT_MS, img);
}

static int image_inspect_api(struct session *s)
{
	json_t *img;
	int r = api_inspect(&s->eng, s->image, &img);

	if (r == 0)
		image_take(s, img);
	json_decref(img);
	return r;
}

/* The first image of the JSON array that `image inspect` printed
 * (a new reference), or NULL when it is not one. */
static json_t *first_image(const char *out, size_t len)
{
	json_t *root = json_loadb(out ? out : "", len, 0, NULL);
	json_t *img = json_array_get(root, 0);

	if (!json_is_object(img) || !json_is_string(json_object_get(img, "Id")))
		img = NULL;
	json_incref(img);
	json_decref(root);
	return img;
}

int image_inspect_ref(const struct engine_handle *h, const char *ref,
		      json_t **img, char **cause)
{
	struct strv argv = {0};
	struct buf out = {0}, eb = {0};
	char *unreachable;
	int r;

	r = api_inspect(h, ref, img);
	if (r >= 0)
		return r;
	engine_argv(h, &argv);
	strv_push(&argv, "image");
	strv_push(&argv, "inspect");
	strv_push(&argv, "--");
	strv_push(&argv, ref);
	r = proc_capture(argv.v, &out, &eb);
	strv_free(&argv);
	if (r > 0 && (unreachable = engine_unreachable(&eb))) {
		/* A reason `paks doctor` checks: point there, on the
		 * same line. */
		*cause = xasprintf("%s (see 'paks doctor')", unreachable);
		free(unreachable);
		buf_free(&eb);
		buf_free(&out);
		return -1;
	}
	buf_free(&eb);
	if (r != 0) {
		buf_free(&out);
		if (r < 0) {
			*cause = xasprintf("cannot run %s: %s", h->path,
					   strerror(-r));
			return -1;
		}
		return 1;
	}
	*img = first_image(out.data, out.len);
	buf_free(&out);
	if (!*img) {
		*cause = xasprintf("unexpected output from %s image inspect",
				   h->path);
		return -1;
	}
	return 0;
}

int image_inspect(struct session *s, char **cause)
{
	json_t *img = NULL;
	int r = image_inspect_ref(&s->eng, s->image, &img, cause);

	if (r == 0)
		image_take(s, img);
	json_decref(img);
	return r;
}

const char *image_bare_id(const char *id)
{
	return id && str_has_prefix(id, "sha256:") ? id + 7 : id;
}

/* Start `image inspect REF`, at the lowest priority when yield: its pid
 * and the read end of its output (blocking).  0, or -errno. */
static int inspect_start(const struct session *s, const char *ref, bool yield,
			 pid_t *pid, int *fd)
{
	/* A group of its own: a Ctrl-C typed before the engine takes the
	 * terminal is the engine's, not this check's. */
	struct proc_opts o = {
	    .out = PROC_PIPE, .err = PROC_NULL, .own_group = true};
	struct strv argv = {0};
	struct proc p;
	int r;

	if (yield) {
		strv_push(&argv, "nice");
		strv_push(&argv, "-n19");
	}
	engine_argv(&s->eng, &argv);
	strv_push(&argv, "image");
	strv_push(&argv, "inspect");
	strv_push(&argv, "--");
	strv_push(&argv, ref);
	r = proc_start(&p, argv.v, &o);
	strv_free(&argv);
	if (r < 0)
		return r;
	*pid = p.pid;
	*fd = p.fd[0];
	/* Read to its end by the one who waits for it. */
	fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK);
	return 0;
}

char *image_id_of(const struct session *s, const char *ref)
{
	struct strv argv = {0};
	struct buf out = {0}, junk = {0};
	char *id = NULL;
	json_t *img;

	switch (api_inspect(&s->eng, ref, &img)) {
	case 0:
		id = xstrdup(image_bare_id(
		    json_string_value(json_object_get(img, "Id"))));
		json_decref(img);
		return id;
	case 1:
		return NULL;
	}

	engine_argv(&s->eng, &argv);
	strv_push(&argv, "image");
	strv_push(&argv, "inspect");
	strv_push(&argv, "--format={{.Id}}");
	strv_push(&argv, "--");
	strv_push(&argv, ref);
	if (proc_capture(argv.v, &out, &junk) == 0 && out.len) {
		buf_append(&out, "", 1);
		out.data[strcspn(out.data, "\r\n")] = '\0';
		if (*out.data)
			id = xstrdup(image_bare_id(out.data));
	}
	strv_free(&argv);
	buf_free(&out);
	buf_free(&junk);
	return id;
}

/* The names an archive (docker-archive, as #export writes) will tag on
 * load, from its manifest.json, into *tags. */
static void archive_tags(const char *path, struct strv *tags)
{
	char *const argv[] = {"tar", "-xOf", (char *)path, "manifest.json",
			      NULL};
	struct buf out = {0}, junk = {0};
	json_t *root = NULL, *m;
	size_t i, j;

	if (proc_capture(argv, &out, &junk) == 0 && out.data)
		root = json_loadb(out.data, out.len, 0, NULL);
	json_array_foreach(root, i, m)
	{
		json_t *t;
		json_array_foreach(json_object_get(m, "RepoTags"), j, t)
		{
			if (json_is_string(t))
				strv_push(tags, json_string_value(t));
		}
	}
	json_decref(root);
	buf_free(&out);
	buf_free(&junk);
}

/* Loading moves the archive's names onto its image: say which names
 * pointed at another image before, and how to put them back. */
static void say_replaced(struct session *s, const struct strv *tags,
			 char **before)
{
	for (size_t i = 0; i < tags->n; i++) {
		cleanup_free char *now = NULL;
		if (!before[i])
			continue;
		now = image_id_of(s, tags->v[i]);
		if (now && !str_eq(now, before[i]))
			log_warn("%s now names the image from %s; the image it "
				 "named before is kept as %.12s (%s tag %.12s "
				 "%s puts the name back)",
				 tags->v[i], s->image, before[i],
				 s->eng.engine->name, before[i], tags->v[i]);
	}
}

/* A file argument is an archive from #export: load it and run what it
 * holds.  Sets s->image to the loaded reference. */
static int load_archive(struct session *s, char **cause)
{
	struct strv argv = {0};
	struct buf out = {0}, eb = {0};
	struct strv tags = {0};
	char **before;
	char *ref = NULL;
	int r;

	archive_tags(s->image, &tags);
	before = xcalloc(tags.n + 1, sizeof(*before));
	for (size_t i = 0; i < tags.n; i++)
		before[i] = image_id_of(s, tags.v[i]);
	engine_argv(&s->eng, &argv);
	strv_push(&argv, "load");
	strv_push(&argv, "-i");
	strv_push(&argv, s->image);
	r = proc_capture(argv.v, &out, &eb);
	strv_free(&argv);
	if (r == 0)
		say_replaced(s, &tags, before);
	for (size_t i = 0; i < tags.n; i++)
		free(before[i]);
	free(before);
	strv_free(&tags);
	if (r != 0) {
		cleanup_free char *why =
		    r < 0 ? xstrdup(strerror(-r)) : engine_first_line(&eb);
		*cause = xasprintf("cannot load archive %s: %s", s->image, why);
		buf_free(&out);
		buf_free(&eb);
		return -1;
	}
	/* "Loaded image: REF" (podman prints "Loaded image(s): REF"). */
	for (char *line = out.data; line && *line;) {
		char *nl = strchr(line, '\n');
		char *colon = strstr(line, "Loaded image");
		if (nl)
			*nl = '\0';
		if (colon && (colon = strchr(colon, ':'))) {
			colon++;
			while (*colon == ' ')
				colon++;
			free(ref);
			ref = xstrdup(colon);
			{
				char *comma = strchr(ref, ',');
				if (comma)
					*comma = '\0';
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	buf_free(&out);
	buf_free(&eb);
	if (!ref) {
		*cause = xasprintf("%s load did not name the loaded image",
				   s->eng.path);
		return -1;
	}
	free(s->image);
	s->image = ref;
	return 0;
}

/* A registry reference that is not here yet: pull it.  On a terminal the
 * engine's progress is shown as it comes; otherwise it is kept, and a
 * failure is one line with the engine's reason.  Loopback registries are
 * reached over plain HTTP (registry_flags), credentials come from the
 * engine's own login. */
static int pull_image(struct session *s, char **cause)
{
	struct strv argv = {0};
	struct buf out = {0};
	bool tty = isatty(2);
	int r;

	if (tty)
		log_info("%s is not here; pulling it", s->image);
	engine_argv(&s->eng, &argv);
	strv_push(&argv, "pull");
	(void)s->eng.engine->registry_flags(&s->eng, s->image, false, &argv);
	strv_push(&argv, "--");
	strv_push(&argv, s->image);
	r = tty ? proc_run_progress(argv.v) : proc_capture(argv.v, &out, &out);
	strv_free(&argv);
	if (r < 0)
		*cause =
		    xasprintf("cannot run %s: %s", s->eng.path, strerror(-r));
	else if (r > 0 && tty)
		*cause = xasprintf("image '%s' is not here and could not be "
				   "pulled (%s's message is above)",
				   s->image, s->eng.engine->name);
	else if (r > 0) {
		cleanup_free char *why = engine_error_line(&out);
		*cause = xasprintf("image '%s' is not here and could not be "
				   "pulled: %s",
				   s->image, why);
	}
	buf_free(&out);
	return r == 0 ? 0 : -1;
}

/* A core to spare: fewer tasks want one than there are, both on average
 * (the load over a minute) and now (runnable tasks but paks). */
static bool spare_core(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	double load = 0;
	long running = 0;
	FILE *f = fopen("/proc/loadavg", "re");
	bool spare = f && fscanf(f, "%lf %*f %*f %ld", &load, &running) == 2 &&
		     load < cores && running - 1 < cores;

	if (f)
		fclose(f);
	return spare;
}

/* Check the name beside the container's start: a question to the
 * engine's API, read when the launcher has come; else an engine inspect.
 * With a core to spare the inspect yields to the start (nice 19; on two
 * cores that is about 5 ms sooner to the prompt, see make bench); on a
 * busy machine it runs at the normal priority, so that it can never
 * starve while the launcher waits for paks's GO. */
static void verify_start(struct session *s)
{
	s->verify_fd = api_ask(&s->eng, s->image);
	s->verify_by_api = s->verify_fd >= 0;
	log_debug("paks checks %s beside the start through the engine's %s",
		  s->image, s->verify_by_api ? "API" : "CLI");
	if (s->verify_by_api)
		return;
	if (inspect_start(s, s->image, spare_core(), &s->verify_pid,
			  &s->verify_fd) < 0)
		s->verify_pid = -1; /* unchecked: taken as gone */
}

/* The check is an engine inspect: TERM ends it at once; KILL it if not. */
#define VERIFY_STOP_MS 1000

void image_verify_stop(struct session *s)
{
	if (s->verify_by_api) {
		close(s->verify_fd);
		s->verify_by_api = false;
		return;
	}
	if (s->verify_pid <= 0)
		return;
	close(s->verify_fd);
	proc_stop(s->verify_pid, SIGTERM, VERIFY_STOP_MS);
	s->verify_pid = 0;
}

static void forget_image(struct session *s)
{
	free(s->image_id);
	free(s->image_author);
	json_decref(s->image_config);
	s->image_id = s->image_author = NULL;
	s->image_config = NULL;
}

/* How long the container's start waits for GO while the name is checked. */
#define VERIFY_TIMEOUT_MS 10000

/* Read fd to its end within ms milliseconds: 0 with *out (NUL-ended) and
 * *len, or -1. */
static int read_check(int fd, int ms, char **out, size_t *len)
{
	struct buf b = {0};
	char chunk[8192];
	uint64_t end = monotonic_ms() + (uint64_t)ms;

	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		uint64_t now = monotonic_ms();
		ssize_t n;
		if (now >= end || poll(&p, 1, (int)(end - now)) == 0)
			break;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || b.len + (size_t)n > (16u << 20))
			break;
		if (n == 0) {
			buf_append(&b, "", 1);
			*len = b.len - 1;
			*out = b.data;
			return 0;
		}
		buf_append(&b, chunk, (size_t)n);
	}
	buf_free(&b);
	return -1;
}

/* The check's answer: 0 with *img, or -1 (no image, no answer in time). */
static int verify_answer(struct session *s, json_t **img)
{
	cleanup_free char *out = NULL;
	size_t len = 0;

	*img = NULL;
	if (s->verify_by_api) {
		s->verify_by_api = false;
		return api_take(&s->eng, s->verify_fd, VERIFY_TIMEOUT_MS,
				img) == 0
			   ? 0
			   : -1;
	}
	if (s->verify_pid > 0 &&
	    read_check(s->verify_fd, VERIFY_TIMEOUT_MS, &out, &len) == 0) {
		close(s->verify_fd);
		if (proc_wait(s->verify_pid) == 0)
			*img = first_image(out, len);
	} else {
		/* Stuck (on the engine's storage lock, say): no answer is
		 * taken as no image, and image_resolve asks again in the
		 * open, where the user can interrupt it. */
		log_debug("no answer from the image check in time");
		image_verify_stop(s);
	}
	s->verify_pid = 0;
	return *img ? 0 : -1;
}

int image_verify_finish(struct session *s)
{
	cleanup_free char *was = NULL;
	json_t *img;

	if (!s->verify_pid && !s->verify_by_api)
		return 0;
	verify_answer(s, &img);
	/* The engine's whole answer replaces the cache's: when the name
	 * means another image, its config is here already. */
	was = xstrdup(image_bare_id(s->image_id));
	forget_image(s);
	if (img) {
		image_take(s, img);
		json_decref(img);
		if (str_eq(image_bare_id(s->image_id), was))
			return 0;
		log_debug("%s is not the image paks ran last time", s->image);
		image_cache_store(s);
		return 1;
	}
	log_debug("%s names no image now", s->image);
	image_cache_drop(s);
	return 1;
}

/* A name no registry reference can be: a path ("/x", "./x", "../x"), or
 * a file name of the kinds paks runs ("x.tar", "x.sqfs"). */
static bool names_a_file(const char *image)
{
	size_t n = strlen(image);

	return image[0] == '/' || strncmp(image, "./", 2) == 0 ||
	       strncmp(image, "../", 3) == 0 ||
	       (!strchr(image, '/') &&
		((n > 4 && strcmp(image + n - 4, ".tar") == 0) ||
		 (n > 5 && strcmp(image + n - 5, ".sqfs") == 0)));
}

int image_resolve(struct session *s, bool use_cache, char **cause)
{
	struct stat st;
	int r;

	s->run_by_name = false;
	if (names_a_file(s->image) && stat(s->image, &st) < 0) {
		*cause = xasprintf("%s: %s", s->image, strerror(errno));
		return -1;
	}
	if ((strchr(s->image, '/') || strstr(s->image, ".tar") ||
	     strstr(s->image, ".sqfs")) &&
	    stat(s->image, &st) == 0 && S_ISREG(st.st_mode)) {
		size_t n = strlen(s->image);
		bool sqfs = n > 5 && str_eq(s->image + n - 5, ".sqfs");
		if ((sqfs ? image_import_sqfs(s, cause)
			  : load_archive(s, cause)) < 0)
			return -1;
	} else if (use_cache && image_cache_load(s)) {
		/* Even the API's answer (a millisecond on a quiet dockerd)
		 * is not waited for: the container starts by name, and the
		 * answer is read when the launcher has come. */
		s->run_by_name = true;
		verify_start(s);
		return 0;
	} else if (image_inspect_api(s) == 0) {
		image_cache_store(s);
		return 0;
	}
	r = image_inspect(s, cause);
	if (r > 0) {
		if (pull_image(s, cause) < 0)
			return -1;
		r = image_inspect(s, cause);
		if (r > 0)
			*cause = xasprintf("image '%s' not found", s->image);
	}
	if (r == 0)
		image_cache_store(s);
	return r == 0 ? 0 : -1;
}

/* SPDX-License-Identifier: MIT */
/*
 * `paks config ...`: show, get, set, unset, init, edit and path for the
 * settings file.  `set` changes only the bytes of one key (settings-yaml.c)
 * and checks the whole result by loading it before the atomic rename, so
 * a typo never leaves a file paks cannot read.  Also the editor launcher
 * shared with `paks env edit`: an argv split on whitespace, never a shell.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "proc.h"
#include "settings.h"
#include "util.h"

/* The effective settings, or the one-line error printed. */
static int load_settings(struct settings *s, const char *path)
{
	char *cause = NULL;

	if (settings_load_effective(s, path, &cause) == 0)
		return 0;
	log_error("%s", cause);
	free(cause);
	return -EINVAL;
}

static int no_args(int argc, char **argv, const char *sub)
{
	if (argc <= 1)
		return 0;
	log_error("unexpected argument '%s' (usage: paks config %s)", argv[1],
		  sub);
	return -EINVAL;
}

static int config_path_cmd(int argc, char **argv)
{
	cleanup_free char *path = settings_path();
	if (no_args(argc, argv, "path") < 0)
		return EXIT_USAGE;
	printf("%s\n", path);
	return 0;
}

static int config_show(int argc, char **argv)
{
	cleanup_free char *path = settings_path();
	const char *const *keys = settings_keys();
	struct settings s;

	if (no_args(argc, argv, "show") < 0)
		return EXIT_USAGE;
	if (load_settings(&s, path) < 0)
		return 1;
	for (size_t i = 0; keys[i]; i++) {
		cleanup_free char *v = NULL;
		if (strcmp(keys[i], "config_editor") == 0) {
			struct settings e = {0};
			e.config_editor = (char *)settings_editor(&s);
			v = settings_value_yaml(&e, keys[i]);
		} else {
			v = settings_value_yaml(&s, keys[i]);
		}
		printf("%s:%s%s\n", keys[i], *v ? " " : "", v);
	}
	settings_free(&s);
	return 0;
}

static int unknown_key(const char *key)
{
	log_error("unknown key '%s' (see 'paks config --help')", key);
	return EXIT_USAGE;
}

static int config_get(int argc, char **argv)
{
	cleanup_free char *path = settings_path();
	struct settings s;
	struct strv lines = {0};

	if (argc != 2) {
		log_error("expected one KEY (usage: paks config get KEY)");
		return EXIT_USAGE;
	}
	if (!settings_known_key(argv[1]))
		return unknown_key(argv[1]);
	if (load_settings(&s, path) < 0)
		return 1;
	settings_get(&s, argv[1], &lines);
	for (size_t i = 0; i < lines.n; i++)
		printf("%s\n", lines.v[i]);
	strv_free(&lines);
	settings_free(&s);
	return 0;
}

/* Follow a symlinked settings.yml (dotfile managers) so the rename lands
 * on the real file instead of replacing the link. */
static char *write_target(const char *path)
{
	char *real = realpath(path, NULL);

	return real ? real : xstrdup(path);
}

static int write_checked(const char *path, const char *text)
{
	cleanup_free char *target = write_target(path);
	struct settings s;
	struct stat st;
	mode_t mode = 0644;
	char *cause = NULL;
	cleanup_free char *dir = paks_config_dir();
	int r;

	settings_defaults(&s);
	r = settings_parse(&s, text, strlen(text), path, &cause);
	settings_free(&s);
	if (r < 0) {
		/* Only an odd file layout gets here: our edit broke it. */
		log_error("cannot change %s safely (%s); use 'paks config "
			  "edit'",
			  path, cause);
		free(cause);
		return -EINVAL;
	}
	if (stat(target, &st) == 0)
		mode = st.st_mode & 07777;
	else if ((r = mkdir_p(dir, 0700)) < 0) {
		log_error("%s: %s", dir, strerror(-r));
		return r;
	}
	r = write_file_atomic(target, text, strlen(text), mode);
	if (r < 0)
		log_error("%s: %s", target, strerror(-r));
	return r;
}

/* The current text of the file, which must be valid: a file paks cannot
 * read is not edited blindly. */
static int read_current(const char *path, char **text, size_t *len)
{
	struct settings s;
	char *cause = NULL;
	int r = read_file(path, 1024 * 1024, text, len);

	if (r == -ENOENT) {
		*text = settings_template();
		*len = strlen(*text);
		return 0;
	}
	if (r < 0) {
		log_error("%s: %s", path, strerror(-r));
		return r;
	}
	settings_defaults(&s);
	r = settings_parse(&s, *text, *len, path, &cause);
	settings_free(&s);
	if (r < 0) {
		log_error("%s (fix it with 'paks config edit')", cause);
		free(cause);
		free(*text);
		*text = NULL;
	}
	return r;
}

/* The settings are changed (read, edit, write) under settings.yml.lock, so
 * two `paks config set` at once both land.  -errno when it fails
 * (reported). */
static int lock_settings(const char *path)
{
	cleanup_free char *dir = paks_config_dir();
	cleanup_free char *lock = xasprintf("%s.lock", path);
	int r = mkdir_p(dir, 0700);

	if (r == 0)
		r = lock_file(lock);
	if (r < 0)
		log_error("%s: %s", lock, strerror(-r));
	return r;
}

static int store_key(const char *path, const char *key, const char *line)
{
	cleanup_free char *text = NULL;
	cleanup_free char *out = NULL;
	size_t len = 0;
	char *cause = NULL;
	cleanup_fd int lock = lock_settings(path);

	if (lock < 0 || read_current(path, &text, &len) < 0)
		return 1;
	if (settings_edit_text(text, len, key, line, &out, &cause) < 0) {
		log_error("%s", cause ? cause : "cannot edit the settings");
		free(cause);
		return 1;
	}
	return write_checked(path, out) < 0 ? 1 : 0;
}

static int config_set(int argc, char **argv)
{
	cleanup_free char *path = settings_path();
	cleanup_free char *kv = NULL;
	cleanup_free char *key = NULL;
	cleanup_free char *value = NULL;
	cleanup_free char *line = NULL;
	struct settings s;
	char *cause = NULL;

	if (argc == 3 && !strchr(argv[1], '='))
		kv = xasprintf("%s=%s", argv[1], argv[2]);
	else if (argc == 2 && strchr(argv[1], '='))
		kv = xstrdup(argv[1]);
	else {
		log_error("expected KEY=VALUE (usage: paks config set "
			  "KEY=VALUE)");
		return EXIT_USAGE;
	}
	key = xasprintf("%.*s", (int)strcspn(kv, "="), kv);
	if (!settings_known_key(key))
		return unknown_key(key);
	settings_defaults(&s);
	if (settings_apply(&s, kv, &cause) < 0) {
		log_error("%s", cause);
		free(cause);
		settings_free(&s);
		return EXIT_USAGE;
	}
	value = settings_value_yaml(&s, key);
	settings_free(&s);
	/* An empty user or editor is "unset": drop the key. */
	if (*value)
		line = xasprintf("%s: %s", key, value);
	return store_key(path, key, line);
}

static int config_unset(int argc, char **argv)
{
	cleanup_free char *path = settings_path();
	if (argc != 2) {
		log_error("expected one KEY (usage: paks config unset KEY)");
		return EXIT_USAGE;
	}
	if (!settings_known_key(argv[1]))
		return unknown_key(argv[1]);
	return store_key(path, argv[1], NULL);
}

/* Write the commented default file; errors are reported here. */
static int write_template(const char *path)
{
	cleanup_free char *text = settings_template();
	cleanup_free char *dir = paks_config_dir();
	int r = mkdir_p(dir, 0700);

	if (r == 0)
		r = write_file_atomic(path, text, strlen(text), 0644);
	if (r < 0)
		log_error("%s: %s", path, strerror(-r));
	return r;
}

static int config_init(int argc, char **argv)
{
	cleanup_free char *path = settings_path();
	bool force = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0 ||
		    strcmp(argv[i], "-f") == 0) {
			force = true;
			continue;
		}
		log_error("unexpected argument '%s' (usage: paks config init "
			  "[--force])",
			  argv[i]);
		return EXIT_USAGE;
	}
	if (!force && access(path, F_OK) == 0) {
		log_error("%s already exists (--force overwrites it)", path);
		return 1;
	}
	if (write_template(path) < 0)
		return 1;
	printf("wrote %s\n", path);
	return 0;
}

/* The editor from the settings, or from the environment when the file is
 * the thing that is broken. */
static char *pick_editor(const char *path)
{
	struct settings s;
	char *cause = NULL;
	char *e;

	settings_defaults(&s);
	if (settings_load(&s, path, &cause) < 0)
		free(cause);
	e = xstrdup(settings_editor(&s));
	settings_free(&s);
	return e;
}

char *config_editor_command(void)
{
	cleanup_free char *path = settings_path();

	return pick_editor(path);
}

static int check_settings_text(const char *text, size_t len, const char *where,
			       void *arg, char **cause)
{
	struct settings s;
	int r;

	(void)arg;
	settings_defaults(&s);
	r = settings_parse(&s, text, len, where, cause);
	settings_free(&s);
	return r;
}

static int config_edit(int argc, char **argv)
{
	cleanup_free char *path = settings_path();
	static const struct cli_edit_check chk = {check_settings_text, NULL};
	cleanup_free char *editor = NULL;
	cleanup_free char *tmpl = NULL;
	cleanup_free char *dir = paks_config_dir();
	int r;

	if (no_args(argc, argv, "edit") < 0)
		return EXIT_USAGE;
	if ((r = mkdir_p(dir, 0700)) < 0) {
		log_error("%s: %s", dir, strerror(-r));
		return 1;
	}
	tmpl = settings_template();
	editor = pick_editor(path);
	return cli_edit_file(editor, path, tmpl, 0644, &chk);
}

static const struct cli_cmd config_cmds[] = {
    {"show", config_show, "",
     "Print the effective settings (the defaults, then the file), one\n"
     "'key: value' line per key, in YAML.  config_editor shows the editor\n"
     "that would run ($VISUAL, $EDITOR or vi when unset); an unset user\n"
     "is printed as 'user:'.\n"},
    {"get", config_get, "KEY",
     "Print the effective value of KEY: a list prints one entry per line,\n"
     "an unset key (user) prints nothing.  Exit status 2 for an unknown\n"
     "key, 1 when the settings file is invalid.\n"},
    {"set", config_set, "KEY=VALUE",
     "Check VALUE and store it in the settings file (KEY VALUE works\n"
     "too).  Only KEY's line changes: other keys and comments are kept.\n"
     "The new file is checked before it replaces the old one, written\n"
     "atomically.  Booleans take true/false, yes/no, on/off or 1/0;\n"
     "hooks_path takes directories separated by ':'.  An empty user or\n"
     "config_editor removes the key.  Exit status 2 for an unknown key or\n"
     "a bad value, 1 when the file is invalid or cannot be written.\n"},
    {"unset", config_unset, "KEY",
     "Remove KEY from the settings file, so its default applies.\n"},
    {"init", config_init, "[--force]",
     "Write a settings file listing every key with its default, all\n"
     "commented out.  Refuses to replace an existing file unless --force\n"
     "(or -f) is given.\n"},
    {"edit", config_edit, "",
     "Open the settings file in the editor (config_editor, else $VISUAL,\n"
     "else $EDITOR, else vi; split on blanks and run without a shell),\n"
     "creating it as 'init' would if it is missing, then check it.  Exit\n"
     "status 1 when the editor fails or the file is invalid.\n"},
    {"path", config_path_cmd, "", "Print the settings file's path.\n"},
};

static void usage(FILE *f)
{
	cleanup_free char *path = settings_path();

	fprintf(
	    f,
	    "Usage: paks config COMMAND [ARGS...]\n"
	    "\n"
	    "Show or change the settings in %s\n"
	    "($XDG_CONFIG_HOME/paks/settings.yml, default ~/.config/paks).\n"
	    "\n"
	    "Commands:\n"
	    "  show             print the effective settings\n"
	    "  get KEY          print one setting\n"
	    "  set KEY=VALUE    check and store one setting\n"
	    "  unset KEY        remove a setting from the file\n"
	    "  init [--force]   write a commented file with the defaults\n"
	    "  edit             edit the file, then check it\n"
	    "  path             print the file's path\n"
	    "\n"
	    "Keys:\n"
	    "  container_tech   auto, podman or docker (default auto)\n"
	    "  container_shell  shell run in the container (default "
	    "/bin/bash)\n"
	    "  user             user in the container (default: the "
	    "image's)\n"
	    "  config_editor    editor command (default $VISUAL, $EDITOR, "
	    "vi)\n"
	    "  hooks_path       directories with '#' commands (a YAML list "
	    "or one\n"
	    "                   directory; 'a:b' on the command line)\n"
	    "  mode             auto, preload or pty (default auto)\n"
	    "  cp_unconfined    true lets #cp reach outside the launch "
	    "directory\n"
	    "  save_suffix      #save's image name suffix (default "
	    "-saved)\n"
	    "  save_squash      true squashes the image on every #save\n"
	    "\n"
	    "'paks run -s KEY=VALUE' overrides a setting for one run.\n"
	    "Run 'paks config COMMAND --help' for a command's details.\n",
	    path);
}

static const struct cli_table config_table = {
    .name = "paks config",
    .noun = "config command",
    .cmds = config_cmds,
    .ncmds = sizeof(config_cmds) / sizeof(config_cmds[0]),
    .usage = usage,
};

int cmd_config(int argc, char **argv)
{
	return cli_dispatch(&config_table, argc, argv);
}

/* SPDX-License-Identifier: MIT */
/*
 * Internal interface of the preload library, and the bash and readline
 * symbols it uses.  Those are weak undefined references, resolved by the
 * dynamic linker against the bash executable (Debian links it with
 * -rdynamic) or a shared libreadline; in any other program they stay NULL
 * and the library does nothing.  No dlsym: its GLIBC_2.34 version would
 * not load on older glibc, and before 2.34 it lives in libdl.
 */
#ifndef PAKS_PRELOAD_H
#define PAKS_PRELOAD_H

#include <stddef.h>
#include <stdint.h>

#define PRELOAD_WEAK __attribute__((weak))

/* readline's types, as in <readline/keymaps.h> and <readline/funmap.h>;
 * declared here so the build needs no readline headers. */
typedef int rl_command_func_t(int count, int key);
typedef int rl_hook_func_t(void);
typedef char *rl_compentry_func_t(const char *text, int state);
typedef char **rl_completion_func_t(const char *text, int start, int end);

#define RL_KEYMAP_SIZE 257 /* 256 keys and ANYOTHERKEY, since readline 6 */
#define RL_ISFUNC      0
#define RL_ISKMAP      1

struct rl_keymap_entry {
	char type;
	rl_command_func_t *function; /* a Keymap when type is RL_ISKMAP */
};

struct rl_funmap {
	const char *name;
	rl_command_func_t *function;
};

/* readline */
extern char *rl_line_buffer PRELOAD_WEAK;
extern int rl_end PRELOAD_WEAK;
extern int rl_point PRELOAD_WEAK;
extern rl_hook_func_t *rl_startup_hook PRELOAD_WEAK;
extern rl_completion_func_t *rl_attempted_completion_function PRELOAD_WEAK;
extern int rl_attempted_completion_over PRELOAD_WEAK;
extern int rl_completion_suppress_append PRELOAD_WEAK;
extern struct rl_funmap **funmap PRELOAD_WEAK;
extern struct rl_keymap_entry emacs_standard_keymap[] PRELOAD_WEAK;
extern struct rl_keymap_entry emacs_meta_keymap[] PRELOAD_WEAK;
extern struct rl_keymap_entry emacs_ctlx_keymap[] PRELOAD_WEAK;
extern struct rl_keymap_entry vi_insertion_keymap[] PRELOAD_WEAK;
extern struct rl_keymap_entry vi_movement_keymap[] PRELOAD_WEAK;
extern volatile int _rl_caught_signal PRELOAD_WEAK;
rl_command_func_t *rl_named_function(const char *name) PRELOAD_WEAK;
char **rl_completion_matches(const char *text,
			     rl_compentry_func_t *entry) PRELOAD_WEAK;
int rl_pending_signal(void) PRELOAD_WEAK; /* readline >= 7 */

/* bash */
extern int interactive_shell PRELOAD_WEAK;
extern int executing_builtin PRELOAD_WEAK;
extern int last_command_exit_value PRELOAD_WEAK;
extern int echo_command_at_execute PRELOAD_WEAK;   /* set -x */
extern int echo_input_at_read PRELOAD_WEAK;	   /* set -v */
extern int exit_immediately_on_error PRELOAD_WEAK; /* set -e */
extern char *current_prompt_string PRELOAD_WEAK;
extern char *ps1_prompt PRELOAD_WEAK;
extern char *ps2_prompt PRELOAD_WEAK;
int parse_and_execute(char *string, const char *from_file,
		      int flags) PRELOAD_WEAK;
void *save_parser_state(void *ps) PRELOAD_WEAK;
void restore_parser_state(void *ps) PRELOAD_WEAK;

/* bashstate.c: what bash and readline are doing now. */
/* Not on a PS2 continuation line nor inside `read -e`. */
int bashstate_at_primary_prompt(void);
/* The signal readline caught while we were busy, 0 for none. */
int bashstate_pending_signal(void);
/* Forget the caught signal because we handled it; 0 when readline's
 * variable is out of reach and the signal stays pending. */
int bashstate_consume_signal(void);

/* transport.c: the shell's one connection to the host. */
/* In the constructor: take the connection if PAKS_CHANNEL names one for
 * this very process, and unset PAKS_CHANNEL either way. */
void transport_take(void);
/* The connected fd, or -ENOTCONN (this process has none: a nested shell)
 * or -ENXIO (the host went away). */
int transport_fd(void);
/* The host is gone: close the connection for good. */
void transport_lost(void);
/* Write all of it.  0 or -errno (-EPIPE when the host is gone). */
int transport_send(const void *data, size_t len);
/* Read what is there without waiting: bytes, 0 at end, or -errno. */
long transport_recv(void *buf, size_t len);

/* channel.c: one request over the connection. */
enum channel_flags {
	CHANNEL_QUIET = 1, /* completion: no messages, short deadline */
};
typedef int channel_frame_fn(void *arg, uint32_t type,
			     const unsigned char *payload, uint32_t len);
/* Send LINE or COMPLETE and feed every answer frame but EXIT to on_frame.
 * Returns the EXIT status, or -ECANCELED (Ctrl-C, gave up), -ENXIO (no
 * host), -ENOTCONN (not the shell paks started), -ETIMEDOUT, -EPIPE (host went
 * away) or another -errno; unless CHANNEL_QUIET the user has been told why. */
int channel_request(uint32_t kind, const char *line, size_t len, int flags,
		    channel_frame_fn *on_frame, void *arg);
/* write() all of it to fd 1 or 2, waiting on EAGAIN; errors dropped. */
void channel_write_all(int fd, const void *data, size_t len);
void channel_message(const char *msg);

/* shellvar.c: SETVAR frames become `export` run by bash itself. */
struct shellvar_script {
	char *s;
	size_t len;
	size_t cap;
};
/* Queue one SETVAR payload (NAME '\0' VALUE); complains on fd 2 about a
 * bad one.  0 or -errno. */
int shellvar_add(struct shellvar_script *sc, const unsigned char *payload,
		 uint32_t len);
/* Run the queued exports without history or tracing and free the
 * script; says which ones the shell refused, and returns how many. */
int shellvar_run(struct shellvar_script *sc);
void shellvar_set_status(int status);

/* complete.c */
char **complete_attempt(const char *text, int start, int end);
/* (Re)install complete_attempt as readline's attempted completion
 * function, chaining whatever bash had there. */
void complete_install(void);

#endif

/* Subcommands of the doorstep binary. Each parses its own options; usage errors exit 64. */
#ifndef DOORSTEP_CLI_H
#define DOORSTEP_CLI_H

#include <stddef.h>

#define EXIT_USAGE 64

struct command {
	const char *name; /* "serve", "user add", ... */
	int (*run)(int argc, char **argv);
	const char *usage;
	const char *help;
};

extern const struct command commands[];

int cmd_serve(int argc, char **argv);
int cmd_user_add(int argc, char **argv);
int cmd_audit_verify(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_areas_load(int argc, char **argv);
int cmd_apikey_add(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_import_residents(int argc, char **argv);
int cmd_apikey_revoke(int argc, char **argv);
int cmd_key_new(int argc, char **argv);
int cmd_key_rotate(int argc, char **argv);
int cmd_plan_visits(int argc, char **argv);

/* The whole file at path with a NUL after it (*len set, file_free frees it), or NULL
 * if it cannot be read. */
char *read_file(const char *path, size_t *len);
void file_free(char *data, size_t len);
/* Print the usage of the named command to stderr and return EXIT_USAGE. */
int usage(const char *name);
/* Whether argv holds --help or -h; prints the command's help to stdout. */
int help_wanted(const char *name, int argc, char **argv);

#endif

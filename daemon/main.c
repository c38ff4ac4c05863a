/*
 * main.c: the roundtable command line: serve, user add, demo, --help,
 * --version. Exit codes: 0 success, 1 failure at run time, 2 bad usage.
 */
#include "auth.h"
#include "db.h"
#include "demo.h"
#include "rt.h"
#include "server.h"
#include "store_members.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_MAX_MESSAGE (256 * 1024)

static const char usage[] =
	"Roundtable: governance for Shared Service Alliances.\n"
	"\n"
	"usage:\n"
	"  roundtable serve [--data DIR] [--listen HOST:PORT] [--origin URL]... [--max-message BYTES] [--web DIR]\n"
	"  roundtable user add [--data DIR] --email E --name N [--admin]   (password on stdin)\n"
	"  roundtable demo [--data DIR]     create the demo coalition and print its logins\n"
	"  roundtable --help | --version\n"
	"\n"
	"  --data DIR         data directory (default ./var): roundtable.db and git/\n"
	"  --listen HOST:PORT address to serve (default 127.0.0.1:8080)\n"
	"  --origin URL       also accept WebSocket upgrades from this Origin (repeatable)\n"
	"  --max-message N    largest WebSocket message in bytes (default 262144)\n"
	"  --web DIR          the web client's files (default: the source tree's web/)\n";

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "roundtable: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'roundtable --help'.\n");
	return 2;
}

/* The value after an option, or NULL (and a message) if missing. */
static const char *opt_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc || argv[*i + 1][0] == '-' ) {
		bad_usage("%s needs a value", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

static int open_db(struct db **db, const char *dir)
{
	char path[4096];
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "roundtable: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof path, "%s/roundtable.db", dir);
	return db_open(db, path) == RT_OK ? 0 : 1;
}

static int cmd_serve(int argc, char **argv)
{
	struct server_config cfg = { .data_dir = "var", .host = "127.0.0.1", .port = 8080,
	                             .web_dir = RT_WEB_DIR, .max_message = DEFAULT_MAX_MESSAGE };
	for (int i = 2; i < argc; i++) {
		const char *v;
		char *end;
		if (strcmp(argv[i], "--data") == 0) {
			if (!(v = opt_value(argc, argv, &i)))
				return 2;
			cfg.data_dir = v;
		} else if (strcmp(argv[i], "--web") == 0) {
			if (!(v = opt_value(argc, argv, &i)))
				return 2;
			cfg.web_dir = v;
		} else if (strcmp(argv[i], "--listen") == 0) {
			const char *colon;
			long port;
			if (!(v = opt_value(argc, argv, &i)))
				return 2;
			colon = strrchr(v, ':');
			if (!colon || colon == v || (size_t)(colon - v) >= sizeof cfg.host)
				return bad_usage("--listen wants HOST:PORT, not '%s'", v);
			port = strtol(colon + 1, &end, 10);
			if (*end || port < 1 || port > 65535)
				return bad_usage("bad port in '%s'", v);
			memcpy(cfg.host, v, (size_t)(colon - v));
			cfg.host[colon - v] = '\0';
			cfg.port = (int)port;
		} else if (strcmp(argv[i], "--origin") == 0) {
			if (!(v = opt_value(argc, argv, &i)))
				return 2;
			if (cfg.n_origins >= MAX_ORIGINS)
				return bad_usage("at most 16 --origin, not '%s'", v);
			if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
				return bad_usage("--origin wants scheme://host[:port], not '%s'", v);
			cfg.origins[cfg.n_origins++] = v;
		} else if (strcmp(argv[i], "--max-message") == 0) {
			long n;
			if (!(v = opt_value(argc, argv, &i)))
				return 2;
			n = strtol(v, &end, 10);
			if (*end || n < 1024 || n > 64L * 1024 * 1024)
				return bad_usage("--max-message wants 1024 to 67108864 bytes, not '%s'", v);
			cfg.max_message = (size_t)n;
		} else {
			return bad_usage("serve: unknown option '%s'", argv[i]);
		}
	}
	return server_run(&cfg);
}

/* Reads one line (the password) from stdin, without its newline. */
static int read_password(char *buf, size_t size)
{
	size_t n;
	if (!fgets(buf, (int)size, stdin))
		return -1;
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return 0;
}

static int cmd_user(int argc, char **argv)
{
	const char *dir = "var", *email = NULL, *name = NULL;
	char password[PASSWORD_MAX + 2], hash[128];
	struct db *db = NULL;
	int admin = 0, rc = 1, err;
	int64_t id;

	if (argc < 3 || strcmp(argv[2], "add") != 0)
		return bad_usage("user: the only subcommand is 'add'%s", "");
	for (int i = 3; i < argc; i++) {
		const char **dst = strcmp(argv[i], "--data") == 0 ? &dir
		                 : strcmp(argv[i], "--email") == 0 ? &email
		                 : strcmp(argv[i], "--name") == 0 ? &name : NULL;
		if (strcmp(argv[i], "--admin") == 0)
			admin = 1;
		else if (!dst)
			return bad_usage("user add: unknown option '%s'", argv[i]);
		else if (!(*dst = opt_value(argc, argv, &i)))
			return 2;
	}
	if (!email || !name)
		return bad_usage("user add needs --email and --name%s", "");
	if (!strchr(email, '@'))
		return bad_usage("'%s' is not an email address", email);
	if (read_password(password, sizeof password) != 0) {
		fprintf(stderr, "roundtable: give the password on standard input\n");
		return 2;
	}
	if ((err = auth_hash_password(hash, password)) != RT_OK) {
		fprintf(stderr, err == RT_EBADREQ ? "roundtable: a password needs %d to %d characters\n"
		                                  : "roundtable: could not hash the password%d%d\n",
		        PASSWORD_MIN, PASSWORD_MAX);
		sodium_memzero(password, sizeof password);
		return err == RT_EBADREQ ? 2 : 1;
	}
	sodium_memzero(password, sizeof password);
	if (open_db(&db, dir) != 0)
		goto done;
	err = store_member_create(db, email, name, hash, admin, &id);
	if (err == RT_ECONFLICT)
		fprintf(stderr, "roundtable: an account with the email %s exists\n", email);
	else if (err)
		fprintf(stderr, "roundtable: could not create the account\n");
	else {
		printf("created %s%s (id %lld)\n", email, admin ? ", server administrator" : "", (long long)id);
		rc = 0;
	}
done:
	db_close(db);
	return rc;
}

static int cmd_demo(int argc, char **argv)
{
	const char *dir = "var";
	struct db *db = NULL;
	int err, rc = 1;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--data") != 0)
			return bad_usage("demo: unknown option '%s'", argv[i]);
		if (!(dir = opt_value(argc, argv, &i)))
			return 2;
	}
	if (open_db(&db, dir) != 0)
		goto done;
	err = demo_create(db);
	if (err == RT_ECONFLICT)
		fprintf(stderr, "roundtable: the demo coalition exists already in %s\n", dir);
	else if (err)
		fprintf(stderr, "roundtable: could not create the demo (%s)\n", rt_err_code(err));
	else
		rc = 0;
done:
	db_close(db);
	return rc;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "roundtable: libsodium failed to start\n");
		return 1;
	}
	if (argc < 2)
		return bad_usage("%s", "a command is needed");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("roundtable %s\n", RT_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc, argv);
	if (strcmp(argv[1], "user") == 0)
		return cmd_user(argc, argv);
	if (strcmp(argv[1], "demo") == 0)
		return cmd_demo(argc, argv);
	return bad_usage("unknown command '%s'", argv[1]);
}

/*
 * main.c: the roundtable command line: serve, user add, demo, backup,
 * restore, rollback, --help, --version. Exit codes: 0 success, 1 failure at run time, 2 bad usage.
 */
#include "auth.h"
#include "backup.h"
#include "db.h"
#include "demo.h"
#include "faults.h"
#include "names.h"
#include "rollback.h"
#include "rt.h"
#include "server.h"
#include "store_members.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MAX_MESSAGE (256 * 1024)
#define DEFAULT_AUTH_DEADLINE 30
#define DEFAULT_BODY_DEADLINE 10
#define DEFAULT_MAX_CONNS_PER_ADDR 256
#define DEFAULT_MAX_CONNS 10000

static const char usage[] =
	"Roundtable: governance for Shared Service Alliances.\n"
	"\n"
	"usage:\n"
	"  roundtable serve [--config FILE] [--data DIR] [--listen HOST:PORT] [--origin URL]...\n"
	"                   [--max-message BYTES] [--web DIR] [--tls-cert FILE --tls-key FILE]\n"
	"                   [--trust-proxy ADDR]... [--auth-deadline S] [--body-deadline S]\n"
	"                   [--max-conns-per-addr N] [--max-conns N] [--public-url URL]\n"
	"                   [--metrics-token FILE] [--ping-interval S]\n"
	"  roundtable user add [--data DIR] --email E --name N [--admin]   (password on stdin)\n"
	"  roundtable demo [--data DIR]     create the demo coalition and print its logins\n"
	"  roundtable backup --data DIR --to PATH     consistent copy, also while serving\n"
	"  roundtable restore --from PATH --data DIR  into a new data directory\n"
	"  roundtable rollback --data DIR [--to-version N]  undo a schema upgrade: install the\n"
	"                     newest roundtable.db.pre-vN.bak (or the one of schema N), keep the\n"
	"                     current files aside and say what is discarded; daemon stopped\n"
	"  roundtable --help | --version\n"
	"\n"
	"  --data DIR         data directory (default ./var): roundtable.db and git/\n"
	"  --listen HOST:PORT address to serve (default 127.0.0.1:8080)\n"
	"  --origin URL       also accept WebSocket upgrades from this Origin (repeatable)\n"
	"  --public-url URL   the address people open (https://host[:port]): allowed as an\n"
	"                     Origin, and the base of links; needed with --listen 0.0.0.0\n"
	"  --max-message N    largest WebSocket message in bytes (default 262144)\n"
	"  --web DIR          the web client's files (default: the source tree's web/)\n"
	"  --tls-cert FILE    serve HTTPS and WSS with this certificate (PEM) ...\n"
	"  --tls-key FILE     ... and this private key (PEM)\n"
	"  --trust-proxy ADDR a reverse proxy (address or ADDR/BITS, repeatable): the client\n"
	"                     address of its requests is taken from X-Forwarded-For\n"
	"  --auth-deadline S  close WebSockets not signed in after S seconds (default 30)\n"
	"  --body-deadline S  cut HTTP request bodies not complete after S seconds (default 10)\n"
	"  --ping-interval S  ping a WebSocket idle for S seconds; close it if silent for\n"
	"                     2 S (default 50: under a proxy's 60 s read timeout)\n"
	"  --max-conns-per-addr N  connections not signed in per client address (default 256)\n"
	"  --max-conns N      connections in all (default 10000; 1/8 kept for signed-in members)\n"
	"  --metrics-token FILE  serve /metrics to 'Authorization: Bearer <the file's token>'\n"
	"                     (without it: only to loopback requests not forwarded by a proxy)\n"
	"  --config FILE      read these settings from FILE, one 'name = value' a line\n"
	"                     (data, listen, origin, public-url, max-message, web, tls-cert,\n"
	"                     tls-key, trust-proxy, auth-deadline, body-deadline,\n"
	"                     max-conns-per-addr, max-conns, metrics-token, ping-interval);\n"
	"                     comments are\n"
	"                     whole lines starting with '#'; values hold no spaces;\n"
	"                     options on the command line win\n";

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

/*
 * Checks an origin as browsers send it in the Origin header: http:// or
 * https://, a host, an optional port that is not the scheme's default, and
 * nothing else (no path, no trailing '/', no spaces). A browser never sends
 * an unspecified address (0.0.0.0, ::) or a default port, so those are
 * refused too: they would never match. Returns NULL, or why it is refused.
 */
static const char *origin_problem(const char *v)
{
	int https = strncmp(v, "https://", 8) == 0;
	const char *host = v + (https ? 8 : 7), *colon, *end;
	size_t hlen;

	if (!https && strncmp(v, "http://", 7) != 0)
		return "an origin is http:// or https:// then a host";
	if (strlen(v) >= 256)
		return "an origin has at most 255 characters";
	if (strpbrk(host, " \t/?#@\\"))
		return "an origin is scheme://host[:port] with no path, no trailing '/' and no spaces";
	if (host[0] == '[') { /* an IPv6 literal */
		if (!(end = strchr(host, ']')))
			return "an IPv6 host is written [addr]";
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return "an origin is scheme://host[:port]";
		hlen = (size_t)(end + 1 - host);
	} else {
		colon = strchr(host, ':');
		hlen = colon ? (size_t)(colon - host) : strlen(host);
	}
	if (hlen == 0)
		return "an origin needs a host";
	if ((hlen == 7 && strncmp(host, "0.0.0.0", 7) == 0) || (hlen == 4 && strncmp(host, "[::]", 4) == 0))
		return "no browser sends an unspecified address (0.0.0.0, [::]) as its origin: name the host people use";
	if (colon) {
		char *e;
		long port = strtol(colon + 1, &e, 10);
		if (!colon[1] || *e || port < 1 || port > 65535)
			return "bad port in the origin";
		if (port == (https ? 443 : 80))
			return "browsers leave the default port out of the origin: drop it";
	}
	return NULL;
}

/* Applies one serve setting (a flag without its dashes, or a config name). */
static int serve_set(struct server_config *cfg, const char *name, const char *v)
{
	char *end;
	if (strcmp(name, "data") == 0) {
		cfg->data_dir = v;
	} else if (strcmp(name, "web") == 0) {
		cfg->web_dir = v;
	} else if (strcmp(name, "tls-cert") == 0) {
		cfg->tls_cert = v;
	} else if (strcmp(name, "tls-key") == 0) {
		cfg->tls_key = v;
	} else if (strcmp(name, "listen") == 0) {
		const char *colon = strrchr(v, ':');
		long port;
		if (!colon || colon == v || (size_t)(colon - v) >= sizeof cfg->host)
			return bad_usage("listen wants HOST:PORT, not '%s'", v);
		port = strtol(colon + 1, &end, 10);
		if (*end || port < 1 || port > 65535)
			return bad_usage("bad port in '%s'", v);
		memcpy(cfg->host, v, (size_t)(colon - v));
		cfg->host[colon - v] = '\0';
		cfg->port = (int)port;
	} else if (strcmp(name, "origin") == 0) {
		if (cfg->n_origins >= MAX_ORIGINS)
			return bad_usage("at most 16 origins, not '%s'", v);
		const char *why = origin_problem(v);
		if (why) {
			fprintf(stderr, "roundtable: %s\n", why);
			return bad_usage("bad origin '%s'", v);
		}
		cfg->origins[cfg->n_origins++] = v;
	} else if (strcmp(name, "public-url") == 0) {
		/* An origin, maybe with a trailing '/': the origin is what is allowed. */
		size_t n = strlen(v);
		const char *why;
		if (n >= sizeof cfg->public_origin)
			return bad_usage("public-url is too long: '%s'", v);
		memcpy(cfg->public_origin, v, n + 1);
		if (n > 8 && cfg->public_origin[n - 1] == '/')
			cfg->public_origin[n - 1] = '\0';
		if ((why = origin_problem(cfg->public_origin))) {
			cfg->public_origin[0] = '\0';
			fprintf(stderr, "roundtable: %s\n", why);
			return bad_usage("public-url wants https://host[:port], not '%s'", v);
		}
	} else if (strcmp(name, "metrics-token") == 0) {
		FILE *f = fopen(v, "r");
		size_t n;
		if (!f) {
			fprintf(stderr, "roundtable: cannot read the metrics token %s: %s\n", v, strerror(errno));
			return 2;
		}
		n = fread(cfg->metrics_token, 1, sizeof cfg->metrics_token - 1, f);
		fclose(f);
		cfg->metrics_token[n] = '\0';
		cfg->metrics_token[strcspn(cfg->metrics_token, "\r\n")] = '\0';
		if (strlen(cfg->metrics_token) < 16 || strlen(cfg->metrics_token) > 100 || strpbrk(cfg->metrics_token, " \t")) {
			cfg->metrics_token[0] = '\0';
			return bad_usage("the metrics token in %s must be one line of 16 to 100 characters, no spaces", v);
		}
	} else if (strcmp(name, "trust-proxy") == 0) {
		struct netmask m;
		if (cfg->n_trusted >= MAX_TRUSTED_PROXIES)
			return bad_usage("at most 16 trusted proxies, not '%s'", v);
		if (server_parse_netmask(v, &m) != 0)
			return bad_usage("trust-proxy wants an IP address or ADDR/BITS, not '%s'", v);
		cfg->trusted_proxies[cfg->n_trusted++] = v;
	} else if (strcmp(name, "ping-interval") == 0) {
		long n = strtol(v, &end, 10);
		if (!*v || *end || n < 1 || n > 3600)
			return bad_usage("ping-interval wants 1 to 3600 seconds, not '%s'", v);
		cfg->ping_interval = (int)n;
	} else if (strcmp(name, "auth-deadline") == 0 || strcmp(name, "body-deadline") == 0) {
		long n = strtol(v, &end, 10);
		if (!*v || *end || n < 1 || n > 3600)
			return bad_usage("a deadline wants 1 to 3600 seconds, not '%s'", v);
		*(name[0] == 'a' ? &cfg->auth_deadline : &cfg->body_deadline) = (int)n;
	} else if (strcmp(name, "max-conns-per-addr") == 0 || strcmp(name, "max-conns") == 0) {
		long n = strtol(v, &end, 10);
		if (!*v || *end || n < 1 || n > 1000000)
			return bad_usage("a connection cap wants 1 to 1000000, not '%s'", v);
		*(strcmp(name, "max-conns") == 0 ? &cfg->max_conns : &cfg->max_conns_per_addr) = (int)n;
	} else if (strcmp(name, "max-message") == 0) {
		long n = strtol(v, &end, 10);
		if (*end || n < 1024 || n > 64L * 1024 * 1024)
			return bad_usage("max-message wants 1024 to 67108864 bytes, not '%s'", v);
		cfg->max_message = (size_t)n;
	} else {
		return bad_usage("unknown setting '%s'", name);
	}
	return 0;
}

/* Does the config keep this setting's string itself (not a number or a copy)? */
static int keeps_value(const char *name)
{
	static const char *const kept[] = { "data", "web", "tls-cert", "tls-key", "origin", "trust-proxy" };
	for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
		if (strcmp(name, kept[i]) == 0)
			return 1;
	return 0;
}

/* The strings the config file's settings point to, freed when serve returns
 * (a flag may have replaced one: nothing else would free it). */
static char *config_strings[256];
static size_t n_config_strings;

static void config_strings_free(void)
{
	while (n_config_strings)
		free(config_strings[--n_config_strings]);
}

/* Reads a config file of 'name = value' lines. A comment is a whole line
 * starting with '#'; a value holds no spaces, so a comment after a value
 * is refused with its line rather than taken into the value. The strings
 * live as long as the process (they are the config). */
static int read_config(struct server_config *cfg, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int lineno = 0, rc = 0;
	if (!f) {
		fprintf(stderr, "roundtable: cannot read %s: %s\n", path, strerror(errno));
		return 2;
	}
	while (rc == 0 && fgets(line, sizeof line, f)) {
		char *p = line, *eq, *name, *value, *end;
		lineno++;
		p[strcspn(p, "\r\n")] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		if (!(eq = strchr(p, '='))) {
			fprintf(stderr, "roundtable: %s line %d: expected 'name = value'\n", path, lineno);
			rc = 2;
			break;
		}
		for (end = eq; end > p && (end[-1] == ' ' || end[-1] == '\t'); end--)
			;
		*end = '\0';
		for (value = eq + 1; *value == ' ' || *value == '\t'; value++)
			;
		for (end = value + strlen(value); end > value && (end[-1] == ' ' || end[-1] == '\t'); end--)
			;
		*end = '\0';
		name = p;
		if (value[strcspn(value, " \t")]) {
			fprintf(stderr, "roundtable: %s line %d: the value of '%s' holds a space: comments go on their"
			        " own line, starting with '#' (paths with spaces: give them on the command line)\n",
			        path, lineno, name);
			rc = 2;
			break;
		}
		if (!(value = strdup(value)))
			rc = 1;
		else if ((rc = serve_set(cfg, name, value)) != 0) {
			fprintf(stderr, "roundtable: in %s line %d\n", path, lineno);
			free(value); /* refused: nothing points to it */
		} else if (!keeps_value(name)) {
			free(value); /* a number, or copied (listen): nothing points to it */
		} else if (n_config_strings < sizeof config_strings / sizeof config_strings[0]) {
			config_strings[n_config_strings++] = value;
		} else {
			fprintf(stderr, "roundtable: %s line %d: too many settings\n", path, lineno);
			rc = 2;
		}
	}
	fclose(f);
	return rc;
}

/* Every connection is a file descriptor, and the usual soft limit (1,024)
 * is far below the connections one daemon holds: raise it to the hard limit,
 * at most FD_WANTED (lws sizes a table by it). Without this, connections past
 * the limit wait unanswered in the listen queue. */
#define FD_WANTED 65536

static void raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t want;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	want = rl.rlim_max < FD_WANTED ? rl.rlim_max : FD_WANTED;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			rt_log(LOG_WARN, "cannot raise the open-file limit: %s", strerror(errno));
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096)
		rt_log(LOG_WARN, "only %llu open files allowed: fewer connections than that can be served"
		       " (raise it: ulimit -n, or LimitNOFILE= in the systemd unit)", (unsigned long long)rl.rlim_cur);
}

static int serve_args(int argc, char **argv)
{
	struct server_config cfg = { .data_dir = "var", .host = "127.0.0.1", .port = 8080,
	                             .web_dir = RT_WEB_DIR, .max_message = DEFAULT_MAX_MESSAGE,
	                             .auth_deadline = DEFAULT_AUTH_DEADLINE, .ping_interval = 50, .body_deadline = DEFAULT_BODY_DEADLINE,
	                             .max_conns_per_addr = DEFAULT_MAX_CONNS_PER_ADDR,
	                             .max_conns = DEFAULT_MAX_CONNS };
	int rc, flag_origins = 0, flag_proxies = 0;

	/* The config file first, so that the flags win. */
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= argc)
				return bad_usage("%s needs a value", argv[i]);
			if ((rc = read_config(&cfg, argv[i + 1])) != 0)
				return rc;
		}
	for (int i = 2; i < argc; i++) {
		const char *v;
		if (strncmp(argv[i], "--", 2) != 0)
			return bad_usage("serve: unexpected '%s'", argv[i]);
		if (!(v = opt_value(argc, argv, &i)))
			return 2;
		if (strcmp(argv[i - 1], "--config") == 0)
			continue;
		if (strcmp(argv[i - 1], "--origin") == 0 && !flag_origins++)
			cfg.n_origins = 0; /* origins on the command line replace the file's */
		if (strcmp(argv[i - 1], "--trust-proxy") == 0 && !flag_proxies++)
			cfg.n_trusted = 0; /* and so do proxies */
		if ((rc = serve_set(&cfg, argv[i - 1] + 2, v)) != 0)
			return rc;
	}
	if (!cfg.tls_cert != !cfg.tls_key)
		return bad_usage("TLS needs both --tls-cert and --tls-key%s", "");
	if ((strcmp(cfg.host, "0.0.0.0") == 0 || strcmp(cfg.host, "::") == 0 || strcmp(cfg.host, "[::]") == 0) &&
	    !cfg.public_origin[0] && !cfg.n_origins) {
		fprintf(stderr, "roundtable: listening on %s, the only origin allowed would be %s://%s:%d, which no"
		        " browser sends\n", cfg.host, cfg.tls_cert ? "https" : "http", cfg.host, cfg.port);
		return bad_usage("give the address people open: --public-url https://your.host%s", "");
	}
	{
		char index[4200];
		struct stat st;
		snprintf(index, sizeof index, "%s/index.html", cfg.web_dir);
		if (stat(index, &st) != 0)
			rt_log(LOG_WARN, "no web client in %s (%s missing): give --web DIR", cfg.web_dir, index);
	}
	raise_fd_limit();
	return server_run(&cfg);
}

static int cmd_serve(int argc, char **argv)
{
	int rc = serve_args(argc, argv);
	config_strings_free();
	return rc;
}

static int cmd_backup(int argc, char **argv, int restore)
{
	const char *data = NULL, *other = NULL;
	const char *other_flag = restore ? "--from" : "--to";
	for (int i = 2; i < argc; i++) {
		const char **dst = strcmp(argv[i], "--data") == 0 ? &data : strcmp(argv[i], other_flag) == 0 ? &other : NULL;
		if (!dst)
			return bad_usage("unknown option '%s'", argv[i]);
		if (!(*dst = opt_value(argc, argv, &i)))
			return 2;
	}
	if (!data || !other)
		return bad_usage(restore ? "restore needs --from PATH and --data DIR%s" : "backup needs --data DIR and --to PATH%s", "");
	if ((restore ? backup_restore(other, data) : backup_create(data, other)) != RT_OK)
		return 1;
	printf(restore ? "restored %s into %s\n" : "backed up %s to %s\n", restore ? other : data, restore ? data : other);
	return 0;
}

/* rollback --data DIR [--to-version N]: refused while a daemon serves DIR. */
static int cmd_rollback(int argc, char **argv)
{
	const char *data = NULL, *ver = NULL;
	char *end;
	long to = -1;
	int fd, rc;
	for (int i = 2; i < argc; i++) {
		const char **dst = strcmp(argv[i], "--data") == 0 ? &data : strcmp(argv[i], "--to-version") == 0 ? &ver : NULL;
		if (!dst)
			return bad_usage("unknown option '%s'", argv[i]);
		if (!(*dst = opt_value(argc, argv, &i)))
			return 2;
	}
	if (!data)
		return bad_usage("rollback needs --data DIR%s", "");
	if (ver) {
		errno = 0;
		to = strtol(ver, &end, 10);
		if (errno || *end || end == ver || to < 1 || to > 100000)
			return bad_usage("--to-version needs a schema number, not '%s'", ver);
	}
	if ((fd = server_lock_data_dir(data)) < 0)
		return 1;
	rc = rollback_data_dir(data, (int)to, stdout) == RT_OK ? 0 : 1;
	close(fd);
	return rc;
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
	const char *dir = "var", *email = NULL, *name = NULL, *why;
	char password[PASSWORD_MAX + 2], hash[128], clean[NAME_BYTES_MAX + 1];
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
	if ((why = name_check(name, clean)))
		return bad_usage("--name: %s", why);
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
	err = store_member_create(db, email, clean, hash, admin, &id);
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
	faults_install(); /* test builds only (-DRT_FAULTS, storage/faults.c); before any SQLite use */
	/* The data directory holds password hashes, sessions and the MOUs:
	 * whatever any command creates is the owner's alone (0600, 0700). */
	umask(0077);
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
	if (strcmp(argv[1], "backup") == 0)
		return cmd_backup(argc, argv, 0);
	if (strcmp(argv[1], "restore") == 0)
		return cmd_backup(argc, argv, 1);
	if (strcmp(argv[1], "rollback") == 0)
		return cmd_rollback(argc, argv);
	return bad_usage("unknown command '%s'", argv[1]);
}

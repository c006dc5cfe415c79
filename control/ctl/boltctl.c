/*
 * boltctl: send one command to boltdns-cp's control socket and print the
 * reply (protocol: control/ctl/PROTOCOL.md).
 *
 * Exit status: 0 the command succeeded, 1 the server answered with an
 * error, 2 no answer (no server, connection lost, timeout), 64 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "boltdns/config.h"
#include "boltdns/errcode.h"

#define DEFAULT_CONFIG "/etc/boltdns/boltdns.conf"
#define LINE_MAX_LEN 4096
#define EXIT_REPLY 1
#define EXIT_COMM 2
#define EXIT_USAGE 64

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: boltctl [-c FILE | -s SOCKET] [--json] [-t SECONDS] COMMAND [ARGS...]\n"
	        "  -c, --config FILE   read the control socket path from FILE (default %s)\n"
	        "  -s, --socket PATH   control socket path\n"
	        "  -j, --json          ask for JSON replies\n"
	        "  -t, --timeout SEC   give up after SEC seconds without data (default 10)\n"
	        "commands: status, stats, stats_noreset, lookup NAME [TYPE], flush NAME,\n"
	        "  flush_type NAME TYPE, flush_zone NAME, flush_all, flush_negative, dump_cache,\n"
	        "  local_data add \"NAME TTL TYPE RDATA\", local_data remove NAME [TYPE],\n"
	        "  reload, verbosity N, dnssec status, nta add NAME [SECONDS],\n"
	        "  nta remove NAME, nta list, zones, help\n",
	        DEFAULT_CONFIG);
}

/* Append arg to line, quoted when the server would otherwise split it. */
static int append_arg(char *line, size_t *len, const char *arg)
{
	bool quote = arg[0] == '\0' || strpbrk(arg, " \t\"\\") != NULL;
	size_t need = strlen(arg) * 2 + 4;
	if (*len + need >= LINE_MAX_LEN + 2)
		return -1;
	if (*len)
		line[(*len)++] = ' ';
	if (quote)
		line[(*len)++] = '"';
	for (const char *p = arg; *p; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return -2;
		if (quote && (*p == '"' || *p == '\\'))
			line[(*len)++] = '\\';
		line[(*len)++] = *p;
	}
	if (quote)
		line[(*len)++] = '"';
	return 0;
}

static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int ret;
	do {
		ret = poll(&p, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *socket_path = NULL;
	bool json = false;
	long timeout = 10;
	int opt;

	/* '+': stop at the command, so its own arguments may start with '-'. */
	while ((opt = getopt_long(argc, argv, "+c:s:jt:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 's':
			socket_path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 't': {
			char *end;
			timeout = strtol(optarg, &end, 10);
			if (*end || timeout <= 0 || timeout > 86400) {
				fprintf(stderr, "boltctl: bad timeout '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (config && socket_path) {
		fprintf(stderr, "boltctl: -c and -s exclude each other\n");
		return EXIT_USAGE;
	}

	static struct bolt_config cfg;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	if (!socket_path) {
		char err[600];
		bolt_config_defaults(&cfg);
		const char *file = config;
		if (!file && access(DEFAULT_CONFIG, R_OK) == 0)
			file = DEFAULT_CONFIG;
		if (file && bolt_config_load(&cfg, file, err, sizeof(err)) < 0) {
			fprintf(stderr, "boltctl: %s\n", err);
			return EXIT_USAGE;
		}
		socket_path = cfg.control_socket;
	}
	if (strlen(socket_path) >= sizeof(path) || !socket_path[0]) {
		fprintf(stderr, "boltctl: bad socket path '%s'\n", socket_path);
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "%s", socket_path);

	char line[LINE_MAX_LEN + 8];
	size_t len = 0;
	if (json)
		append_arg(line, &len, "json");
	for (int i = optind; i < argc; i++) {
		int ret = append_arg(line, &len, argv[i]);
		if (ret < 0) {
			fprintf(stderr, "boltctl: %s\n",
			        ret == -1 ? "command too long" : "control character in argument");
			return EXIT_USAGE;
		}
	}
	line[len++] = '\n';

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "boltctl: socket: %s\n", strerror(errno));
		return EXIT_COMM;
	}
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "boltctl: cannot connect to %s: %s\n", path, strerror(errno));
		close(fd);
		return EXIT_COMM;
	}
	int tmo = (int)(timeout * 1000);
	for (size_t off = 0; off < len;) {
		if (wait_fd(fd, POLLOUT, tmo) <= 0) {
			fprintf(stderr, "boltctl: %s: timed out sending\n", path);
			close(fd);
			return EXIT_COMM;
		}
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "boltctl: %s: %s\n", path, strerror(errno));
			close(fd);
			return EXIT_COMM;
		}
		off += (size_t)n;
	}
	/* One request per connection: the server closes after the reply. */
	shutdown(fd, SHUT_WR);

	/* Print every line as it comes; the last one says how it went. */
	static char buf[1 << 16];
	size_t have = 0;
	for (;;) {
		int pr = wait_fd(fd, POLLIN, tmo);
		if (pr == 0) {
			fprintf(stderr, "boltctl: %s: no reply within %ld s\n", path, timeout);
			close(fd);
			return EXIT_COMM;
		}
		ssize_t n = pr < 0 ? -1 : read(fd, buf + have, sizeof(buf) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "boltctl: %s: connection closed before the reply ended\n", path);
			close(fd);
			return EXIT_COMM;
		}
		have += (size_t)n;
		char *start = buf, *nl;
		while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
			*nl = '\0';
			if (json ? strncmp(start, "{\"ok\":", 6) == 0 : strcmp(start, "ok") == 0 ||
			                                                   strncmp(start, "error: ", 7) == 0) {
				bool ok = json ? strncmp(start, "{\"ok\":true", 10) == 0
				               : strcmp(start, "ok") == 0;
				if (json)
					printf("%s\n", start);
				else if (!ok)
					fprintf(stderr, "boltctl: %s\n", start);
				close(fd);
				return fflush(stdout) == 0 ? (ok ? 0 : EXIT_REPLY) : EXIT_COMM;
			}
			printf("%s\n", start);
			start = nl + 1;
		}
		have -= (size_t)(start - buf);
		memmove(buf, start, have);
		if (have == sizeof(buf)) {
			/* A line longer than the buffer: print what we have. */
			fwrite(buf, 1, have, stdout);
			have = 0;
		}
	}
}

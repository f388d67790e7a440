/*
 * chserver: a ClickHouse server for tests, from chDB's libchdb.so.
 *
 * libchdb.so is the whole ClickHouse engine; query_stable() runs its
 * clickhouse-local entry point with a command line. scripts/clickhouse.sh
 * passes --path, --listen_host=127.0.0.1, --tcp_port, --http_port and a
 * query that opens the native and HTTP listeners (SYSTEM START LISTEN) and
 * then sleeps, so the process serves both protocols until it gets SIGTERM.
 */
#include <stddef.h>
#include <stdio.h>

struct local_result {
	char *buf;
	size_t len;
	void *vec;
	double elapsed;
	unsigned long rows_read;
	unsigned long bytes_read;
};

struct local_result *query_stable(int argc, char **argv);
void free_result(struct local_result *r);

int main(int argc, char **argv) {
	argv[0] = "clickhouse";
	struct local_result *r = query_stable(argc, argv);
	if (r == NULL) {
		fprintf(stderr, "chserver: clickhouse-local returned an error (see above)\n");
		return 1;
	}
	if (r->buf != NULL && r->len > 0)
		fwrite(r->buf, 1, r->len, stdout);
	free_result(r);
	return 0;
}

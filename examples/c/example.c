/* The smallest complete promlet program in C: open a database, append, commit, query.
 * Build: cc example.c $(pkg-config --cflags --libs promlet) -o example
 * Run:   ./example /tmp/promlet-data */
#include <promlet/promlet.h>
#include <stdio.h>

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "promlet-data";
  char *err = NULL;
  promlet_db *db = promlet_open(dir, &err);
  if (db == NULL) {
    fprintf(stderr, "open: %s\n", err);
    promlet_free(err);
    return 1;
  }
  promlet_appender *app = promlet_appender_new(db);
  const int64_t t0 = 1700000000000; /* ms since the epoch */
  for (int i = 0; i < 10; ++i) {
    if (promlet_appender_add(app, "jobs_done_total{queue=\"mail\"}", t0 + i * 15000, i * 3.0,
                             &err) != 0) {
      fprintf(stderr, "add: %s\n", err);
      promlet_free(err);
      promlet_appender_rollback(app);
      promlet_close(db);
      return 1;
    }
  }
  if (promlet_appender_commit(app, &err) != 0) { /* durable in the WAL once it returns 0 */
    fprintf(stderr, "commit: %s\n", err);
    promlet_free(err);
    promlet_close(db);
    return 1;
  }
  char *json = promlet_query(db, "max_over_time(jobs_done_total[1m])", t0 + 135000, &err);
  if (json == NULL) {
    fprintf(stderr, "query: %s\n", err);
    promlet_free(err);
    promlet_close(db);
    return 1;
  }
  printf("%s\n", json);
  promlet_free(json);
  promlet_close(db);
  return 0;
}

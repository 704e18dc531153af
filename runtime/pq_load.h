/*
 * pq_load.h - libpq, loaded with dlopen() the first time a PostgreSQL URL
 * is used, instead of linked: a release binary that only ever sees SQLite
 * (or runs `info`, `--version`, `help`) neither needs libpq installed nor
 * pays for loading it and its dependency tree (Kerberos, LDAP, TLS: 5 to
 * 8 ms of every start, tests/bench/floor_pg.c).
 *
 * Include this header instead of <libpq-fe.h>. It includes libpq-fe.h for
 * the types and then maps every libpq function the driver uses onto the
 * table `migc_pq` (#define PQexec (migc_pq.PQexec)), so the driver's code
 * keeps reading like libpq's documentation. The functions are listed once,
 * with their types, in MIGC_PQ_FUNCTIONS below; pq_load.c checks each
 * entry against libpq-fe.h's own declaration at compile time. A function
 * used without its #define here is caught too: nothing links -lpq any
 * more, so the call would be an undefined reference.
 *
 * Every function that may reach libpq first calls migc_pq_load() (in this
 * driver: migc_pg_conninfo_build(), which connecting starts with); the
 * table is filled once (pthread_once) and never changes afterwards, so the
 * progress thread and signal handlers (PQcancel) may read it freely once
 * a connection exists.
 */
#ifndef MIGC_PQ_LOAD_H
#define MIGC_PQ_LOAD_H

#include <libpq-fe.h>

#include "migc.h"

/* The file dlopen() looks for; a build may name another one. */
#ifndef MIGC_LIBPQ_SONAME
#ifdef __APPLE__
#define MIGC_LIBPQ_SONAME "libpq.5.dylib"
#else
#define MIGC_LIBPQ_SONAME "libpq.so.5"
#endif
#endif

/*
 * X(return type, name, (parameters)) for every libpq function migc calls.
 * All must be there (libpq 12 or newer: PQhostaddr is the newest).
 */
#define MIGC_PQ_FUNCTIONS(X)                                                  \
	X(PGconn *, PQconnectdbParams,                                        \
	  (const char *const *keywords, const char *const *values,            \
	   int expand_dbname))                                                \
	X(PGconn *, PQconnectStartParams,                                     \
	  (const char *const *keywords, const char *const *values,            \
	   int expand_dbname))                                                \
	X(PostgresPollingStatusType, PQconnectPoll, (PGconn *conn))           \
	X(void, PQfinish, (PGconn *conn))                                     \
	X(PQconninfoOption *, PQconninfoParse,                                \
	  (const char *conninfo, char **errmsg))                              \
	X(void, PQconninfoFree, (PQconninfoOption *options))                  \
	X(ConnStatusType, PQstatus, (const PGconn *conn))                     \
	X(PGTransactionStatusType, PQtransactionStatus, (const PGconn *conn)) \
	X(char *, PQerrorMessage, (const PGconn *conn))                       \
	X(char *, PQdb, (const PGconn *conn))                                 \
	X(char *, PQuser, (const PGconn *conn))                               \
	X(char *, PQhost, (const PGconn *conn))                               \
	X(char *, PQhostaddr, (const PGconn *conn))                           \
	X(char *, PQport, (const PGconn *conn))                               \
	X(int, PQsocket, (const PGconn *conn))                                \
	X(int, PQbackendPID, (const PGconn *conn))                            \
	X(int, PQserverVersion, (const PGconn *conn))                         \
	X(PQnoticeReceiver, PQsetNoticeReceiver,                              \
	  (PGconn *conn, PQnoticeReceiver proc, void *arg))                   \
	X(PQnoticeProcessor, PQsetNoticeProcessor,                            \
	  (PGconn *conn, PQnoticeProcessor proc, void *arg))                  \
	X(PGcancel *, PQgetCancel, (PGconn *conn))                            \
	X(void, PQfreeCancel, (PGcancel *cancel))                             \
	X(int, PQcancel, (PGcancel *cancel, char *errbuf, int errbufsize))    \
	X(PGresult *, PQexec, (PGconn *conn, const char *query))              \
	X(PGresult *, PQexecParams,                                           \
	  (PGconn *conn, const char *command, int nParams,                    \
	   const Oid *paramTypes, const char *const *paramValues,             \
	   const int *paramLengths, const int *paramFormats,                  \
	   int resultFormat))                                                 \
	X(PGresult *, PQprepare,                                              \
	  (PGconn *conn, const char *stmtName, const char *query,             \
	   int nParams, const Oid *paramTypes))                               \
	X(PGresult *, PQexecPrepared,                                         \
	  (PGconn *conn, const char *stmtName, int nParams,                   \
	   const char *const *paramValues, const int *paramLengths,           \
	   const int *paramFormats, int resultFormat))                        \
	X(int, PQsendQuery, (PGconn *conn, const char *query))                \
	X(int, PQsendPrepare,                                                 \
	  (PGconn *conn, const char *stmtName, const char *query,             \
	   int nParams, const Oid *paramTypes))                               \
	X(int, PQsendQueryParams,                                             \
	  (PGconn *conn, const char *command, int nParams,                    \
	   const Oid *paramTypes, const char *const *paramValues,             \
	   const int *paramLengths, const int *paramFormats,                  \
	   int resultFormat))                                                 \
	X(int, PQsendQueryPrepared,                                           \
	  (PGconn *conn, const char *stmtName, int nParams,                   \
	   const char *const *paramValues, const int *paramLengths,           \
	   const int *paramFormats, int resultFormat))                        \
	X(PGresult *, PQgetResult, (PGconn *conn))                            \
	X(int, PQisBusy, (PGconn *conn))                                      \
	X(int, PQconsumeInput, (PGconn *conn))                                \
	X(int, PQputCopyEnd, (PGconn *conn, const char *errormsg))            \
	X(int, PQgetCopyData, (PGconn *conn, char **buffer, int async))       \
	X(ExecStatusType, PQresultStatus, (const PGresult *res))              \
	X(char *, PQresultErrorMessage, (const PGresult *res))                \
	X(char *, PQresultErrorField, (const PGresult *res, int fieldcode))   \
	X(int, PQntuples, (const PGresult *res))                              \
	X(int, PQnfields, (const PGresult *res))                              \
	X(char *, PQgetvalue, (const PGresult *res, int tup_num, int field_num)) \
	X(int, PQgetisnull, (const PGresult *res, int tup_num, int field_num)) \
	X(int, PQgetlength, (const PGresult *res, int tup_num, int field_num)) \
	X(char *, PQcmdStatus, (PGresult *res))                               \
	X(char *, PQcmdTuples, (PGresult *res))                               \
	X(void, PQclear, (PGresult *res))                                     \
	X(void, PQfreemem, (void *ptr))                                       \
	X(char *, PQescapeIdentifier,                                         \
	  (PGconn *conn, const char *str, size_t len))

/*
 * Functions used when the loaded libpq has them, NULL in the table when
 * not: pipeline mode (libpq 14), which only saves round trips.
 */
#ifdef LIBPQ_HAS_PIPELINING
#define MIGC_PQ_OPTIONAL(X)                                                   \
	X(int, PQenterPipelineMode, (PGconn *conn))                           \
	X(int, PQexitPipelineMode, (PGconn *conn))                            \
	X(int, PQpipelineSync, (PGconn *conn))
#else
#define MIGC_PQ_OPTIONAL(X)
#endif

#define MIGC_PQ_MEMBER(ret, name, params) ret(*name) params;
struct migc_pq_api {
	MIGC_PQ_FUNCTIONS(MIGC_PQ_MEMBER)
	MIGC_PQ_OPTIONAL(MIGC_PQ_MEMBER)
};
#undef MIGC_PQ_MEMBER

/* The loaded library's functions: filled by migc_pq_load(), read-only
 * afterwards. The one piece of global state of the runtime (libpq's own
 * functions are process-wide too). */
extern struct migc_pq_api migc_pq;

/*
 * Load libpq (MIGC_LIBPQ_SONAME) and fill `migc_pq`, once per process;
 * every later call returns the first one's result at once. On failure:
 * MIGC_EUSAGE (exit code 2, a configuration error: the machine lacks the
 * client library PostgreSQL URLs need) with a message naming the library
 * and a hint naming the package to install. Thread-safe.
 */
int migc_pq_load(migc_error *err);

/*
 * The loader itself, for tests: dlopen(`soname`) and resolve every
 * function into `*api`. No global state; the library stays loaded when it
 * succeeds. Returns 0 or MIGC_EUSAGE as migc_pq_load() does.
 */
int migc_pq_open(struct migc_pq_api *api, const char *soname,
		 migc_error *err);

#ifndef MIGC_PQ_LOAD_IMPL
/* What call sites use: libpq's names, read from the table. */
#define PQconnectdbParams (migc_pq.PQconnectdbParams)
#define PQconnectStartParams (migc_pq.PQconnectStartParams)
#define PQconnectPoll (migc_pq.PQconnectPoll)
#define PQfinish (migc_pq.PQfinish)
#define PQconninfoParse (migc_pq.PQconninfoParse)
#define PQconninfoFree (migc_pq.PQconninfoFree)
#define PQstatus (migc_pq.PQstatus)
#define PQtransactionStatus (migc_pq.PQtransactionStatus)
#define PQerrorMessage (migc_pq.PQerrorMessage)
#define PQdb (migc_pq.PQdb)
#define PQuser (migc_pq.PQuser)
#define PQhost (migc_pq.PQhost)
#define PQhostaddr (migc_pq.PQhostaddr)
#define PQport (migc_pq.PQport)
#define PQsocket (migc_pq.PQsocket)
#define PQbackendPID (migc_pq.PQbackendPID)
#define PQserverVersion (migc_pq.PQserverVersion)
#define PQsetNoticeReceiver (migc_pq.PQsetNoticeReceiver)
#define PQsetNoticeProcessor (migc_pq.PQsetNoticeProcessor)
#define PQgetCancel (migc_pq.PQgetCancel)
#define PQfreeCancel (migc_pq.PQfreeCancel)
#define PQcancel (migc_pq.PQcancel)
#define PQexec (migc_pq.PQexec)
#define PQexecParams (migc_pq.PQexecParams)
#define PQprepare (migc_pq.PQprepare)
#define PQexecPrepared (migc_pq.PQexecPrepared)
#define PQsendQuery (migc_pq.PQsendQuery)
#define PQsendPrepare (migc_pq.PQsendPrepare)
#define PQsendQueryParams (migc_pq.PQsendQueryParams)
#define PQsendQueryPrepared (migc_pq.PQsendQueryPrepared)
#define PQgetResult (migc_pq.PQgetResult)
#define PQisBusy (migc_pq.PQisBusy)
#define PQconsumeInput (migc_pq.PQconsumeInput)
#define PQputCopyEnd (migc_pq.PQputCopyEnd)
#define PQgetCopyData (migc_pq.PQgetCopyData)
#define PQresultStatus (migc_pq.PQresultStatus)
#define PQresultErrorMessage (migc_pq.PQresultErrorMessage)
#define PQresultErrorField (migc_pq.PQresultErrorField)
#define PQntuples (migc_pq.PQntuples)
#define PQnfields (migc_pq.PQnfields)
#define PQgetvalue (migc_pq.PQgetvalue)
#define PQgetisnull (migc_pq.PQgetisnull)
#define PQgetlength (migc_pq.PQgetlength)
#define PQcmdStatus (migc_pq.PQcmdStatus)
#define PQcmdTuples (migc_pq.PQcmdTuples)
#define PQclear (migc_pq.PQclear)
#define PQfreemem (migc_pq.PQfreemem)
#define PQescapeIdentifier (migc_pq.PQescapeIdentifier)
#ifdef LIBPQ_HAS_PIPELINING
/* NULL when the loaded libpq is older than 14: check before calling. */
#define PQenterPipelineMode (migc_pq.PQenterPipelineMode)
#define PQexitPipelineMode (migc_pq.PQexitPipelineMode)
#define PQpipelineSync (migc_pq.PQpipelineSync)
#endif
#endif /* MIGC_PQ_LOAD_IMPL */

#endif /* MIGC_PQ_LOAD_H */

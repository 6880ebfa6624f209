#include <libpq-fe.h>

/* The PG_DIAG_* field codes are character-literal macros, which Swift does not import.
   The same constants, as values Swift can see. */
static const int PQ_DIAG_SEVERITY = PG_DIAG_SEVERITY;
static const int PQ_DIAG_SEVERITY_NONLOCALIZED = PG_DIAG_SEVERITY_NONLOCALIZED;
static const int PQ_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int PQ_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int PQ_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL;
static const int PQ_DIAG_MESSAGE_HINT = PG_DIAG_MESSAGE_HINT;
static const int PQ_DIAG_TABLE_NAME = PG_DIAG_TABLE_NAME;
static const int PQ_DIAG_COLUMN_NAME = PG_DIAG_COLUMN_NAME;
static const int PQ_DIAG_CONSTRAINT_NAME = PG_DIAG_CONSTRAINT_NAME;

// The tasks family is declared in schemas/tasks.h; nothing is hand-written here any more.
#include "schemas/tasks.h"

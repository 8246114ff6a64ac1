/* core/supervisor/supervisor.c: the running lab's parts, looked up by name. */
#include "core/supervisor/supervisor.h"

#include <string.h>

struct instance *supervisor_instance(struct supervisor *sup, const char *name)
{
	for (size_t i = 0; i < sup->lab->n_instances; i++)
		if (strcmp(sup->instances[i].cfg->name, name) == 0)
			return &sup->instances[i];
	return NULL;
}

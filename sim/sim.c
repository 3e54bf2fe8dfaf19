/* sim.c: entry of `seam sim`; replaced by the simulators' implementation when it lands. */
#include "sim/sim.h"

#include <stdio.h>

int seam_sim_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "seam sim: the simulators are not in this build\n");
	return 1;
}

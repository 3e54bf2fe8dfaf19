/*
 * sim.h: `seam sim`, the upstream simulators. Entry point only; see docs/sim.md.
 */
#ifndef SEAM_SIM_SIM_H
#define SEAM_SIM_SIM_H

/* argv[0] == "sim". Returns the process exit code. */
int seam_sim_main(int argc, char **argv);

#endif

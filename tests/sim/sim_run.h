/* SPDX-License-Identifier: BSD-3-Clause */
/* One seed of the simulation (sim_run.c). */
#ifndef TERN_SIM_RUN_H
#define TERN_SIM_RUN_H

#include "sim.h"

/* Run @seed (@profile: an index of sim_profiles, or -1 for the seed's own
 * choice). 0 if it passed, 1 if it failed (the failure and the state are
 * printed), -1 if the engines could not be rebuilt. */
int sim_run_seed(struct sim *s, uint64_t seed, int profile);

#endif /* TERN_SIM_RUN_H */

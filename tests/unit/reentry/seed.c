/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a seed fixes before its first step: the odds of each step and action,
 * the engine's configuration (a pool and ports small enough to run out), and
 * the engine's secrets, so that local ports and ISNs repeat from run to run.
 *
 *   run_seed -> seed_odds, seed_config -> harness_reset -> seed_secrets
 */
#include "reentry.h"

void
seed_odds(struct reentry *re)
{
	static const unsigned step_w[S_NB] = { 6, 3, 3, 2, 1, 1, 1, 3 };
	static const unsigned act_w[A_NB] = { 4, 3, 1, 1, 2, 1, 2 };
	struct odds *odds = &re->odds;

	for (unsigned i = 0; i < S_NB; i++)
		odds->step[i] = below(re, step_w[i] * 2 + 1);
	odds->step[S_APP] += 2;
	odds->step[S_TIME] += 1;
	for (unsigned i = 0; i < A_NB; i++)
		odds->act[i] = below(re, act_w[i] * 2 + 1);
	odds->act[A_CONNECT] += 2;
	odds->acts_max = 1 + below(re, 3);
	odds->loss_pct = below(re, 4) == 0 ? 0 : below(re, 15);
	odds->rst_pct = below(re, 8);
	odds->mute_pct = below(re, 15);
	odds->peer_ports = 1 + below(re, 6);
	odds->peer_ts = below(re, 3) != 0;
	odds->listen = below(re, 4) != 0;
}

void
seed_config(struct reentry *re, struct config *cfg)
{
	harness_config_defaults(cfg);
	if (below(re, 3) == 0) {
		/* More blocks than the table has room for: an open may find
		 * the table full and reclaim there (tcp_tcb_add). */
		cfg->flows = TABLE_MIN;
		cfg->tcp_conns = TABLE_MIN + 1 + below(re, TABLE_CONNS_MAX - TABLE_MIN);
	} else {
		cfg->tcp_conns = 2 + below(re, CONNS_MAX - 1);
	}
	cfg->tcp_local_port_min = LPORT0;
	cfg->tcp_local_port_max = (uint16_t)(LPORT0 + 1 + below(re, 5));
	cfg->tcp_msl_s = 1;
	cfg->tcp_rto_init_ms = 300;
	cfg->tcp_rto_min_ms = 200;
	cfg->tcp_rto_max_ms = 1000 + 1000 * below(re, 2);
	cfg->tcp_retries = 1 + below(re, 3);
	cfg->tcp_syn_retries = 1 + below(re, 2);
	cfg->tcp_syncookies = below(re, 2) ? TCP_SYNCOOKIES_NO : TCP_SYNCOOKIES_YES;
	cfg->tcp_timestamps = below(re, 4) != 0;
	cfg->tcp_keepalive_s = below(re, 3) == 0 ? 1 : 0;
	cfg->tcp_keepalive_intvl_s = 1;
	cfg->tcp_keepalive_probes = 1 + below(re, 2);
	cfg->tcp_snd_buf = 2048u << below(re, 3);
	cfg->tcp_rcv_buf = 2048u << below(re, 3);
	cfg->tcp_gro = below(re, 2);
	/* Frames that reference the send queue hold lent buffers too. */
	cfg->tcp_zero_copy_tx = below(re, 2);
}

/* The engine's secrets from the seed: local ports and ISNs repeat. */
void
seed_secrets(struct reentry *re)
{
	struct tcp_engine *te = &re->h->eng->tcp;

	for (size_t i = 0; i < sizeof(te->ports.secret); i++)
		te->ports.secret[i] = (uint8_t)next_rand(re);
	te->ports.next = (uint32_t)next_rand(re);
	te->ports.memo_valid = false;
	for (size_t i = 0; i < sizeof(te->isn_key.k); i++)
		te->isn_key.k[i] = (uint8_t)next_rand(re);
	for (size_t i = 0; i < sizeof(te->cookie_key.k); i++)
		te->cookie_key.k[i] = (uint8_t)next_rand(re);
}

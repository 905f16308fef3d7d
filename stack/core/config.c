/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Run-time configuration: built-in defaults (equal to config/tap.ini), INI
 * files read with rte_cfgfile, and the --ip override. A table of keys per
 * section drives both parsing and the "unknown key" hints.
 *
 *   config_load -> ini_check (syntax, first problem only: -1)
 *               -> rte_cfgfile_load -> section_load per [section] -> key_load
 *               -> cross checks (gateway inside the prefix) -> commit
 *
 * Problems of meaning are all reported, one line each; problems of syntax
 * (the file is not INI) stop at the first, as rte_cfgfile itself does.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include <rte_cfgfile.h>
#include <rte_common.h>
#include <rte_config.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf_core.h>

#include "config.h"
#include "drivers/link_emu.h"
#include "wire/ipv4.h"

/* Longest line rte_cfgfile reads whole: its buffer is CFG_NAME_LEN +
 * CFG_VALUE_LEN + 4 bytes, and it fails on a line that fills it without '\n'. */
#define INI_LINE_MAX 322
#define INI_COMMENT  CFG_DEFAULT_COMMENT_CHARACTER
static_assert(INI_LINE_MAX == CFG_NAME_LEN + CFG_VALUE_LEN + 2, "rte_cfgfile line buffer");

enum {
	POOL_MBUFS_MIN = 1024,
	POOL_CACHE_MAX = RTE_MEMPOOL_CACHE_MAX_SIZE,
};

/* DPDK refuses a mempool whose cache flush threshold (cache * 1.5) exceeds its
 * size; with these ranges every allowed cache fits every allowed pool. */
static_assert(POOL_CACHE_MAX * 3 / 2 <= POOL_MBUFS_MIN, "[pool] cache range must fit mbufs range");

enum key_kind {
	KEY_UINT, /* unsigned integer of .size bytes in [min, max] */
	KEY_BOOL, /* yes/no/true/false/1/0 */
	KEY_PROB, /* double in [0, 1] */
	KEY_MAC,  /* unicast MAC; also sets mac_set */
	KEY_ADDR, /* A.B.C.D/LEN; sets ip_addr and ip_prefix */
	KEY_IPV4, /* unicast A.B.C.D, host order */
	KEY_WORD, /* one of .words (case-insensitive), stored as its index in a uint8_t */
	KEY_HEX,  /* [min, max] bytes in hex, a multiple of 4 (an RSS key); sets rss_key_len */
};

struct key_def {
	const char *name;
	enum key_kind kind;
	size_t offset;
	size_t size;
	uint64_t min;
	uint64_t max;
	const char *const *words; /* KEY_WORD: the choices, NULL-terminated */
};

struct section_def {
	const char *name;
	bool required;
	const struct key_def *keys;
	unsigned int nb_keys;
};

#define KEY(n, k, field, lo, hi)                                                                   \
	{                                                                                          \
		.name = (n), .kind = (k), .offset = offsetof(struct config, field),                \
		.size = sizeof(((struct config *)NULL)->field), .min = (lo), .max = (hi)           \
	}
#define UINT(n, field, lo, hi) KEY(n, KEY_UINT, field, lo, hi)
#define PROB(n, field)         KEY(n, KEY_PROB, field, 0, 1)
#define GAP_MAX                (FAULT_HOLD_MAX - 1)
#define WORD(n, field, w)                                                                          \
	{                                                                                          \
		.name = (n), .kind = KEY_WORD, .offset = offsetof(struct config, field),           \
		.size = sizeof(((struct config *)NULL)->field), .words = (w)                       \
	}

/* [tcp] syncookies, in the order of enum tcp_syncookies. */
static const char *const syncookies_words[] = { "no", "yes", "always", NULL };
/* [pool] handler, in the order of enum pool_handler. */
static const char *const pool_handler_words[] = { "stack", "ring", "default", NULL };
/* [tcp] congestion_control, in the order of enum tcp_cc_choice. */
static const char *const cc_words[] = { "newreno", "cubic", NULL };
/* [tcp] tso, in the order of enum tcp_tso_choice. */
static const char *const tso_words[] = { "no", "auto", NULL };

/* One key per line, in the order of config/tap.ini. */
/* clang-format off */
static const struct key_def port_keys[] = {
	UINT("port_id", port_id, 0, RTE_MAX_ETHPORTS - 1),
	UINT("rx_desc", rx_desc, 32, 16384),
	UINT("tx_desc", tx_desc, 32, 16384),
	UINT("mtu", mtu, 68, 9000),
	KEY("mac", KEY_MAC, mac, 0, 0),
	KEY("promiscuous", KEY_BOOL, promiscuous, 0, 1),
	KEY("rss_key", KEY_HEX, rss_key, CONFIG_RSS_KEY_MIN, CONFIG_RSS_KEY_MAX),
	KEY("checksums", KEY_BOOL, port_checksums, 0, 1),
	UINT("tx_queue_us", port_tx_queue_us, 0, 100000),
};

static const struct key_def ip_keys[] = {
	KEY("address", KEY_ADDR, ip_addr, 0, 0),
	KEY("gateway", KEY_IPV4, ip_gateway, 0, 0),
	UINT("ttl", ip_ttl, 1, 255),
};

static const struct key_def arp_keys[] = {
	UINT("entries", arp_entries, 16, 1048576),
	UINT("timeout_s", arp_timeout_s, 1, 86400),
	UINT("pending", arp_pending, 1, 65535),
	UINT("pending_total", arp_pending_total, 16, 1048576),
	UINT("retries", arp_retries, 1, 10),
	UINT("retry_ms", arp_retry_ms, 10, 60000),
};

static const struct key_def pool_keys[] = {
	UINT("mbufs", pool_mbufs, POOL_MBUFS_MIN, 16777215),
	UINT("cache", pool_cache, 0, POOL_CACHE_MAX),
	UINT("data_room", pool_data_room, 1024, 65000),
	WORD("handler", pool_handler, pool_handler_words),
};

static const struct key_def limits_keys[] = {
	UINT("flows", flows, 64, 16777216),
	UINT("burst", burst, 1, 256),
	UINT("early_send_min", early_send_min, 0, 256),
	UINT("idle_yield_polls", idle_yield_polls, 0, 100000000),
};

static const struct key_def tcp_keys[] = {
	UINT("conns", tcp_conns, 16, 4194304),
	UINT("msl_s", tcp_msl_s, 1, 600),
	UINT("rto_min_ms", tcp_rto_min_ms, 10, 10000),
	UINT("rto_max_ms", tcp_rto_max_ms, 1000, 600000),
	UINT("rto_init_ms", tcp_rto_init_ms, 100, 60000),
	UINT("retries", tcp_retries, 1, 30),
	UINT("syn_retries", tcp_syn_retries, 1, 15),
	UINT("delack_ms", tcp_delack_ms, 1, 200),
	UINT("snd_buf", tcp_snd_buf, 4096, 67108864),
	UINT("rcv_buf", tcp_rcv_buf, 4096, 67108864),
	UINT("init_cwnd", tcp_init_cwnd, 1, 100),
	UINT("keepalive_s", tcp_keepalive_s, 0, 86400),
	UINT("keepalive_intvl_s", tcp_keepalive_intvl_s, 1, 3600),
	UINT("keepalive_probes", tcp_keepalive_probes, 1, 100),
	UINT("challenge_acks", tcp_challenge_acks, 1, 100000),
	KEY("sack", KEY_BOOL, tcp_sack, 0, 1),
	KEY("timestamps", KEY_BOOL, tcp_timestamps, 0, 1),
	KEY("window_scaling", KEY_BOOL, tcp_window_scaling, 0, 1),
	KEY("tail_loss_probe", KEY_BOOL, tcp_tail_loss_probe, 0, 1),
	KEY("gro", KEY_BOOL, tcp_gro, 0, 1),
	KEY("zero_copy_tx", KEY_BOOL, tcp_zero_copy_tx, 0, 1),
	WORD("tso", tcp_tso, tso_words),
	UINT("local_port_min", tcp_local_port_min, 1024, 65535),
	UINT("local_port_max", tcp_local_port_max, 1024, 65535),
	UINT("syn_backlog", tcp_syn_backlog, 1, 4194304),
	WORD("syncookies", tcp_syncookies, syncookies_words),
	WORD("congestion_control", tcp_cc, cc_words),
};

static const struct key_def fault_keys[] = {
	UINT("seed", fault_seed, 0, UINT64_MAX),
	PROB("rx_drop", fault_rx.drop),
	PROB("rx_duplicate", fault_rx.duplicate),
	PROB("rx_reorder", fault_rx.reorder),
	UINT("rx_reorder_gap", fault_rx.reorder_gap, 1, GAP_MAX),
	PROB("rx_corrupt", fault_rx.corrupt),
	PROB("rx_truncate", fault_rx.truncate),
	PROB("tx_drop", fault_tx.drop),
	PROB("tx_duplicate", fault_tx.duplicate),
	PROB("tx_reorder", fault_tx.reorder),
	UINT("tx_reorder_gap", fault_tx.reorder_gap, 1, GAP_MAX),
	PROB("tx_corrupt", fault_tx.corrupt),
	PROB("tx_truncate", fault_tx.truncate),
	UINT("tx_link_mbit", fault_link_mbit, 0, LINK_EMU_MBIT_MAX),
	UINT("tx_link_ring", fault_link_ring, LINK_EMU_RING_MIN, LINK_EMU_RING_MAX),
};

#define SECTION(n, req, k) { .name = (n), .required = (req), .keys = (k), .nb_keys = RTE_DIM(k) }

static const struct section_def sections[] = {
	SECTION("port", true, port_keys),
	SECTION("ip", true, ip_keys),
	SECTION("arp", false, arp_keys),
	SECTION("pool", false, pool_keys),
	SECTION("limits", false, limits_keys),
	SECTION("tcp", false, tcp_keys),
	SECTION("fault", false, fault_keys),
};

static const struct {
	const char *word;
	bool value;
} bool_words[] = {
	{ "yes", true }, { "true", true }, { "1", true },
	{ "no", false }, { "false", false }, { "0", false },
};
/* clang-format on */

/* One config_load call: where to report, and how many problems so far. */
struct load_ctx {
	const char *path;
	FILE *err;
	int nb_errors;
	bool ip_addr_bad; /* [ip] address was rejected: skip the gateway cross-check */
};

static void report(struct load_ctx *ctx, const char *fmt, ...) __rte_format_printf(2, 3);

static void
report(struct load_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	ctx->nb_errors++;
	if (ctx->err == NULL)
		return;
	fprintf(ctx->err, "%s: ", ctx->path);
	va_start(ap, fmt);
	vfprintf(ctx->err, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->err);
}

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->port_id = 0;
	c->rx_desc = 1024;
	c->tx_desc = 1024;
	c->mtu = 1500;
	c->mac_set = false;
	c->promiscuous = false;
	c->port_checksums = true;

	c->ip_addr = IPV4_ADDR(198, 18, 0, 2);
	c->ip_prefix = 24;
	c->ip_gateway = 0;
	c->ip_ttl = 64;

	c->arp_entries = 1024;
	c->arp_timeout_s = 300;
	/* Linux holds up to unres_qlen_bytes (212,992) per neighbour, some
	 * hundreds of small packets: enough for a client's burst of SYNs to a
	 * new next hop, and less than [port] tx_desc, so that what is released
	 * at once fits the TX ring. Slots come from one pool a core
	 * (pending_total), 16 bytes each; the mbufs they pin come from [pool]. */
	c->arp_pending = 512;
	c->arp_pending_total = 4096;
	c->arp_retries = 3;
	c->arp_retry_ms = 1000;

	c->pool_mbufs = 16383;
	c->pool_cache = 256;
	c->pool_data_room = RTE_MBUF_DEFAULT_DATAROOM;
	c->pool_handler = POOL_HANDLER_STACK;

	c->flows = 65536;
	c->burst = 32;
	c->early_send_min = 8;

	c->tcp_conns = 16384;
	c->tcp_msl_s = 30;
	c->tcp_rto_min_ms = 200;
	c->tcp_rto_max_ms = 60000;
	c->tcp_rto_init_ms = 1000;
	c->tcp_retries = 8;
	c->tcp_syn_retries = 5;
	c->tcp_delack_ms = 40;
	c->tcp_snd_buf = 262144;
	c->tcp_rcv_buf = 262144;
	c->tcp_init_cwnd = 10;
	c->tcp_keepalive_s = 0;
	c->tcp_keepalive_intvl_s = 75;
	c->tcp_keepalive_probes = 9;
	c->tcp_challenge_acks = 10;
	c->tcp_sack = true;
	c->tcp_timestamps = true;
	c->tcp_zero_copy_tx = false; /* copies measured faster over net_memif (issue 11) */
	c->tcp_tso = TCP_TSO_AUTO;
	c->tcp_window_scaling = true;
	c->tcp_tail_loss_probe = true;
	c->tcp_gro = true;
	c->tcp_local_port_min = 49152; /* RFC 6335 6: the dynamic ports */
	c->tcp_local_port_max = 65535;
	c->tcp_syn_backlog = 1024;
	c->tcp_syncookies = TCP_SYNCOOKIES_YES;
	/* As Linux's: at 5% loss each way it moved 100 MiB from Tern to Linux
	 * in 17-20 s, NewReno in 32-37 s (tests/integration/test_soak.sh,
	 * TERN_SOAK_CC); its reduction is 0.7, NewReno's a half. */
	c->tcp_cc = TCP_CC_CHOICE_CUBIC;

	c->fault_rx = (struct fault_config){ .reorder_gap = 3 };
	c->fault_tx = (struct fault_config){ .reorder_gap = 3 };
	c->fault_seed = 1;
	c->fault_link_ring = 1024;
}

/* Strict unsigned decimal: digits only (no sign, spaces or base prefix);
 * -EINVAL if not that, -ERANGE if it does not fit 64 bits. */
static int
parse_u64(const char *s, uint64_t *v)
{
	if (*s == '\0' || s[strspn(s, "0123456789")] != '\0')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, NULL, 10);
	return errno == ERANGE ? -ERANGE : 0;
}

static int
parse_bool(const char *s, bool *v)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(bool_words); i++) {
		if (strcasecmp(s, bool_words[i].word) == 0) {
			*v = bool_words[i].value;
			return 0;
		}
	}
	return -EINVAL;
}

/* One of @words (NULL-terminated), any case: its index. */
static int
parse_word(const char *s, const char *const *words, uint8_t *v)
{
	for (uint8_t i = 0; words[i] != NULL; i++) {
		if (strcasecmp(s, words[i]) == 0) {
			*v = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Strict decimal in [0, 1]: "0", "0.25", ".5", "1e-3"; no hex, inf or nan. */
static int
parse_prob(const char *s, double *v)
{
	char *end;

	if (!(*s == '.' || (*s >= '0' && *s <= '9')) || s[strspn(s, "0123456789.eE+-")] != '\0')
		return -EINVAL;
	errno = 0;
	*v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(*v) || *v < 0.0 || *v > 1.0)
		return -EINVAL;
	return 0;
}

/* 2 * [min, max] hex digits, whole 32-bit words: @len bytes into @out. */
static int
parse_hex(const char *s, uint8_t *out, size_t min, size_t max, uint8_t *len)
{
	size_t n = strlen(s);
	char hex[3] = { 0 };

	if (n % 8 != 0 || n < 2 * min || n > 2 * max ||
	    s[strspn(s, "0123456789abcdefABCDEF")] != '\0')
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		memcpy(hex, s + 2 * i, 2);
		out[i] = (uint8_t)strtoul(hex, NULL, 16);
	}
	*len = (uint8_t)(n / 2);
	return 0;
}

/* Exactly "xx:xx:xx:xx:xx:xx" in hex digits. */
static int
parse_mac(const char *s, struct rte_ether_addr *mac)
{
	unsigned int i;
	char hex[3] = { 0 };

	if (strlen(s) != 3 * RTE_ETHER_ADDR_LEN - 1)
		return -EINVAL;
	for (i = 0; i < RTE_ETHER_ADDR_LEN; i++) {
		if (strspn(s + 3 * i, "0123456789abcdefABCDEF") < 2 ||
		    (i + 1 < RTE_ETHER_ADDR_LEN && s[3 * i + 2] != ':'))
			return -EINVAL;
		memcpy(hex, s + 3 * i, 2);
		mac->addr_bytes[i] = (uint8_t)strtoul(hex, NULL, 16);
	}
	return 0;
}

int
config_parse_ipv4(const char *s, uint32_t *addr)
{
	struct in_addr in;

	if (s == NULL || inet_pton(AF_INET, s, &in) != 1)
		return -EINVAL;
	*addr = ntohl(in.s_addr);
	return 0;
}

static void
ipv4_format(char buf[INET_ADDRSTRLEN], uint32_t addr)
{
	struct in_addr in = { .s_addr = htonl(addr) };

	inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static uint32_t
prefix_mask(uint8_t prefix)
{
	return prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
}

/* Why @addr cannot be a host of @prefix ("not ..."), or NULL if it can. On a
 * /31 (RFC 3021) or /32 there is no network or broadcast address to avoid. */
static const char *
host_addr_problem(uint32_t addr, uint8_t prefix)
{
	uint32_t host = addr & ~prefix_mask(prefix);

	if ((addr >> 24) == 0)
		return "not in 0.0.0.0/8";
	if ((addr >> 24) == 127)
		return "not loopback 127.0.0.0/8";
	if ((addr >> 28) == 0xe)
		return "not multicast 224.0.0.0/4";
	if ((addr >> 28) == 0xf)
		return "not reserved 240.0.0.0/4";
	if (prefix <= 30 && host == 0)
		return "not the network address of its prefix";
	if (prefix <= 30 && host == ~prefix_mask(prefix))
		return "not the broadcast address of its prefix";
	return NULL;
}

/* "A.B.C.D/LEN" with LEN 1..32, syntax only. */
static int
parse_addr_len(const char *s, uint32_t *addr, uint8_t *prefix)
{
	char quad[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	uint64_t len;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(quad))
		return -EINVAL;
	memcpy(quad, s, slash - s);
	quad[slash - s] = '\0';
	if (config_parse_ipv4(quad, addr) != 0 || parse_u64(slash + 1, &len) != 0 || len < 1 ||
	    len > 32)
		return -EINVAL;
	*prefix = (uint8_t)len;
	return 0;
}

/* Why @c's gateway cannot serve its address ("not ..."), or NULL if it can
 * (or is unset). */
static const char *
gateway_problem(const struct config *c)
{
	uint32_t mask = prefix_mask(c->ip_prefix);

	if (c->ip_gateway == 0)
		return NULL;
	if ((c->ip_gateway & mask) != (c->ip_addr & mask))
		return "inside the [ip] address prefix";
	if (host_addr_problem(c->ip_gateway, c->ip_prefix) != NULL)
		return "a host address of the [ip] address prefix";
	if (c->ip_gateway == c->ip_addr)
		return "distinct from the [ip] address";
	return NULL;
}

int
config_set_ip(struct config *c, const char *addr_len)
{
	struct config next = *c;

	if (addr_len == NULL || parse_addr_len(addr_len, &next.ip_addr, &next.ip_prefix) != 0 ||
	    host_addr_problem(next.ip_addr, next.ip_prefix) != NULL)
		return -EINVAL;
	if (gateway_problem(&next) != NULL)
		return -ERANGE;
	c->ip_addr = next.ip_addr;
	c->ip_prefix = next.ip_prefix;
	return 0;
}

static void
store_uint(void *p, size_t size, uint64_t v)
{
	switch (size) {
	case sizeof(uint8_t):
		*(uint8_t *)p = (uint8_t)v;
		break;
	case sizeof(uint16_t):
		*(uint16_t *)p = (uint16_t)v;
		break;
	case sizeof(uint32_t):
		*(uint32_t *)p = (uint32_t)v;
		break;
	default:
		*(uint64_t *)p = v;
		break;
	}
}

static uint64_t
load_uint(const void *p, size_t size)
{
	switch (size) {
	case sizeof(uint8_t):
		return *(const uint8_t *)p;
	case sizeof(uint16_t):
		return *(const uint16_t *)p;
	case sizeof(uint32_t):
		return *(const uint32_t *)p;
	default:
		return *(const uint64_t *)p;
	}
}

/* @k's value in @c as config/tap.ini writes it; false if the key is unset
 * (an [ip] gateway of 0, a [port] mac left to the port). */
static bool
key_format(const struct config *c, const struct key_def *k, char *buf, size_t len)
{
	const void *p = (const char *)c + k->offset;
	char quad[INET_ADDRSTRLEN];

	switch (k->kind) {
	case KEY_UINT:
		snprintf(buf, len, "%" PRIu64, load_uint(p, k->size));
		break;
	case KEY_BOOL:
		snprintf(buf, len, "%s", *(const bool *)p ? "yes" : "no");
		break;
	case KEY_PROB:
		snprintf(buf, len, "%g", *(const double *)p);
		break;
	case KEY_MAC:
		if (!c->mac_set)
			return false;
		rte_ether_format_addr(buf, (uint16_t)len, p);
		break;
	case KEY_ADDR:
		ipv4_format(quad, c->ip_addr);
		snprintf(buf, len, "%s/%u", quad, c->ip_prefix);
		break;
	case KEY_IPV4:
		if (*(const uint32_t *)p == 0)
			return false;
		ipv4_format(quad, *(const uint32_t *)p);
		snprintf(buf, len, "%s", quad);
		break;
	case KEY_WORD:
		snprintf(buf, len, "%s", k->words[*(const uint8_t *)p]);
		break;
	case KEY_HEX:
		if (c->rss_key_len == 0 || len < 2u * c->rss_key_len + 1)
			return false; /* the port's length of the default key */
		for (unsigned i = 0; i < c->rss_key_len; i++)
			snprintf(buf + 2 * i, 3, "%02x", ((const uint8_t *)p)[i]);
		break;
	}
	return true;
}

void
config_foreach(const struct config *c,
               void (*fn)(void *ctx, const char *section, const char *key, const char *value,
                          const uint64_t *number),
               void *ctx)
{
	char value[CONFIG_VALUE_MAX];

	for (unsigned int i = 0; i < RTE_DIM(sections); i++) {
		for (unsigned int j = 0; j < sections[i].nb_keys; j++) {
			const struct key_def *k = &sections[i].keys[j];
			uint64_t n = k->kind == KEY_UINT
			                     ? load_uint((const char *)c + k->offset, k->size)
			                     : 0;

			if (key_format(c, k, value, sizeof(value)))
				fn(ctx, sections[i].name, k->name, value,
				   k->kind == KEY_UINT ? &n : NULL);
		}
	}
}

static void list_names(char *buf, size_t len, const void *items, unsigned int n, size_t size);

/* Parse one "key = value" of [@sec] into @c, or report what is wrong with it
 * (then @c keeps its value). */
static void
key_load(struct load_ctx *ctx, struct config *c, const char *sec, const struct key_def *k,
         const char *val)
{
	void *p = (char *)c + k->offset;
	struct rte_ether_addr mac;
	const char *why = NULL;
	char choices[128];
	uint32_t addr;
	uint8_t prefix;
	uint64_t u;
	double d;
	bool b;
	int r;

#define BAD(what, ...) report(ctx, "[%s] %s: '%s' is not " what, sec, k->name, val, __VA_ARGS__)
	switch (k->kind) {
	case KEY_UINT:
		r = parse_u64(val, &u);
		if (r == -EINVAL)
			BAD("an integer (expected %" PRIu64 "..%" PRIu64 ")", k->min, k->max);
		else if (r != 0 || u < k->min || u > k->max)
			BAD("in range (expected %" PRIu64 "..%" PRIu64 ")", k->min, k->max);
		else
			store_uint(p, k->size, u);
		break;
	case KEY_BOOL:
		if (parse_bool(val, &b) != 0)
			BAD("a boolean (expected %s)", "yes, no, true, false, 1 or 0");
		else
			*(bool *)p = b;
		break;
	case KEY_WORD:
		if (parse_word(val, k->words, (uint8_t *)p) != 0) {
			unsigned int n = 0;
			while (k->words[n] != NULL)
				n++;
			list_names(choices, sizeof(choices), k->words, n, sizeof(k->words[0]));
			BAD("a choice (expected %s)", choices);
		}
		break;
	case KEY_PROB:
		if (parse_prob(val, &d) != 0)
			BAD("a probability (expected %s)", "a decimal number 0..1");
		else
			*(double *)p = d;
		break;
	case KEY_MAC:
		if (parse_mac(val, &mac) != 0 || !rte_is_valid_assigned_ether_addr(&mac)) {
			BAD("a unicast MAC address (expected %s)",
			    "xx:xx:xx:xx:xx:xx, not multicast or all zeros");
		} else {
			c->mac = mac;
			c->mac_set = true;
		}
		break;
	case KEY_HEX:
		if (parse_hex(val, p, k->min, k->max, &c->rss_key_len) != 0)
			BAD("a key in hex (expected %" PRIu64 "..%" PRIu64
			    " bytes, a multiple of 4: 2 hex digits a byte)",
			    k->min, k->max);
		break;
	case KEY_ADDR:
		ctx->ip_addr_bad = true;
		if (parse_addr_len(val, &addr, &prefix) != 0) {
			BAD("an address with prefix length (expected %s)",
			    "A.B.C.D/LEN, LEN 1..32");
		} else if ((why = host_addr_problem(addr, prefix)) != NULL) {
			BAD("a usable host address (expected a unicast address, %s)", why);
		} else {
			c->ip_addr = addr;
			c->ip_prefix = prefix;
			ctx->ip_addr_bad = false;
		}
		break;
	case KEY_IPV4:
		if (config_parse_ipv4(val, &addr) != 0)
			BAD("an IPv4 address (expected %s)", "A.B.C.D");
		else if ((why = host_addr_problem(addr, 32)) != NULL)
			BAD("a usable host address (expected a unicast address, %s)", why);
		else
			*(uint32_t *)p = addr;
		break;
	}
#undef BAD
}

/* List in @buf the names of @n table entries of @size bytes each, whose first
 * member is the name (struct key_def, struct section_def): "a, b or c". */
static void
list_names(char *buf, size_t len, const void *items, unsigned int n, size_t size)
{
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		const char *name = *(const char *const *)((const char *)items + i * size);
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";

		used += snprintf(buf + used, len - used, "%s%s", sep, name);
	}
}

static const struct section_def *
section_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(sections); i++)
		if (strcmp(sections[i].name, name) == 0)
			return &sections[i];
	return NULL;
}

/* Load every entry of the @index-th section of @cfg, described by @def. */
static void
section_load(struct load_ctx *ctx, struct config *c, struct rte_cfgfile *cfg, int index,
             const struct section_def *def)
{
	struct rte_cfgfile_entry *entries;
	char name[CFG_NAME_LEN];
	char expected[256];
	uint32_t seen = 0;
	unsigned int k;
	int i, n;

	n = rte_cfgfile_section_num_entries_by_index(cfg, name, index);
	entries = calloc(RTE_MAX(n, 1), sizeof(*entries));
	if (entries == NULL) {
		report(ctx, "[%s]: out of memory", def->name);
		return;
	}
	n = rte_cfgfile_section_entries_by_index(cfg, index, name, entries, n);
	for (i = 0; i < n; i++) {
		for (k = 0; k < def->nb_keys; k++)
			if (strcmp(def->keys[k].name, entries[i].name) == 0)
				break;
		if (k == def->nb_keys) {
			list_names(expected, sizeof(expected), def->keys, def->nb_keys,
			           sizeof(def->keys[0]));
			report(ctx, "[%s] %s: unknown key (expected %s)", def->name,
			       entries[i].name, expected);
		} else if (seen & (UINT32_C(1) << k)) {
			report(ctx, "[%s] %s: duplicate key", def->name, entries[i].name);
		} else {
			seen |= UINT32_C(1) << k;
			key_load(ctx, c, def->name, &def->keys[k], entries[i].value);
		}
	}
	free(entries);
}

static void
file_load(struct load_ctx *ctx, struct config *c, struct rte_cfgfile *cfg)
{
	char name[CFG_NAME_LEN];
	char expected[256];
	uint32_t seen = 0;
	const char *why;
	unsigned int s;
	int i;

	static_assert(RTE_DIM(sections) <= 32, "one bit per section");
	static_assert(RTE_DIM(fault_keys) <= 32, "one bit per key of the largest section");
	for (i = 0; i < rte_cfgfile_num_sections(cfg, NULL, 0); i++) {
		const struct section_def *def;

		rte_cfgfile_section_num_entries_by_index(cfg, name, i);
		def = section_find(name);
		if (def == NULL) {
			list_names(expected, sizeof(expected), sections, RTE_DIM(sections),
			           sizeof(sections[0]));
			report(ctx, "[%s]: unknown section (expected %s)", name, expected);
			continue;
		}
		s = def - sections;
		if (seen & (UINT32_C(1) << s))
			report(ctx, "[%s]: duplicate section", name);
		seen |= UINT32_C(1) << s;
		section_load(ctx, c, cfg, i, def);
	}
	for (s = 0; s < RTE_DIM(sections); s++)
		if (sections[s].required && !(seen & (UINT32_C(1) << s)))
			report(ctx, "[%s]: missing section", sections[s].name);

	why = gateway_problem(c);
	if (why != NULL && !ctx->ip_addr_bad) {
		char gw[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN], addr[INET_ADDRSTRLEN];

		ipv4_format(gw, c->ip_gateway);
		ipv4_format(net, c->ip_addr & prefix_mask(c->ip_prefix));
		ipv4_format(addr, c->ip_addr);
		report(ctx, "[ip] gateway: '%s' is not %s (expected a host of %s/%u other than %s)",
		       gw, why, net, c->ip_prefix, addr);
	}
	if (c->tcp_local_port_min > c->tcp_local_port_max)
		report(ctx,
		       "[tcp] local_port_min: '%u' is not at most local_port_max (expected %u..%u)",
		       c->tcp_local_port_min, 1024, c->tcp_local_port_max);
	/* The limit needs the depth of the port's queue, which only the
	 * emulated line tells (a NIC's would come from its TX descriptors). */
	if (c->port_tx_queue_us != 0 && c->fault_link_mbit == 0)
		report(ctx,
		       "[port] tx_queue_us: '%u' needs [fault] tx_link_mbit (the one port whose "
		       "queue depth is known; expected 0 without it)",
		       c->port_tx_queue_us);
}

/* Cut @line's comment (as rte_cfgfile: from the first comment character
 * unless escaped) and surrounding spaces; returns where the content starts. */
static char *
ini_strip(char *line)
{
	char *s = strchr(line, INI_COMMENT), *end;

	if (s != NULL && (s == line || s[-1] != '\\'))
		*s = '\0';
	for (s = line; isspace((unsigned char)*s); s++)
		;
	for (end = s + strlen(s); end > s && isspace((unsigned char)end[-1]); end--)
		;
	*end = '\0';
	return s;
}

/* Why stripped line @s is not INI, or NULL. @in_section: a [section] was seen. */
static const char *
ini_line_problem(const char *s, bool *in_section)
{
	const char *eq;

	if (s[0] == '\0')
		return NULL;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		*in_section = true;
		if (end == NULL)
			return "no ']' closes the section name";
		return end[1] != '\0' ? "text after ']'" : NULL;
	}
	eq = strchr(s, '=');
	if (eq == NULL)
		return "neither [section] nor key = value (comments start with ';')";
	if (eq == s)
		return "no key before '='";
	return *in_section ? NULL : "key = value before any [section]";
}

/* Check the syntax rte_cfgfile accepts, to say where and why a file is not INI
 * (rte_cfgfile only fails) and to catch the lines it would silently skip.
 * Returns 0, or -1 after reporting the first problem. */
static int
ini_check(struct load_ctx *ctx)
{
	bool in_section = false;
	const char *why = NULL;
	unsigned int lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;

	f = fopen(ctx->path, "r");
	if (f == NULL) {
		report(ctx, "cannot read: %s", strerror(errno));
		return -1;
	}
	while (why == NULL && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if ((size_t)len > INI_LINE_MAX)
			why = "longer than " RTE_STR(INI_LINE_MAX) " characters";
		else if (strlen(line) != (size_t)len)
			why = "contains a NUL byte";
		else
			why = ini_line_problem(ini_strip(line), &in_section);
	}
	if (why != NULL)
		report(ctx, "cannot read: line %u: %s", lineno, why);
	else if (ferror(f))
		report(ctx, "cannot read: %s", strerror(errno));
	free(line);
	fclose(f);
	return ctx->nb_errors == 0 ? 0 : -1;
}

int
config_load(struct config *c, const char *path, FILE *err)
{
	struct load_ctx ctx = { .path = path, .err = err, .nb_errors = 0 };
	struct rte_cfgfile *cfg;
	struct config next;

	if (ini_check(&ctx) != 0)
		return -1;
	cfg = rte_cfgfile_load(path, CFG_FLAG_EMPTY_VALUES);
	if (cfg == NULL) {
		report(&ctx, "cannot read: not an INI file");
		return -1;
	}
	memcpy(&next, c, sizeof(next));
	file_load(&ctx, &next, cfg);
	rte_cfgfile_close(cfg);
	if (ctx.nb_errors == 0)
		memcpy(c, &next, sizeof(*c));
	return ctx.nb_errors;
}

/* "stack" by default, as the ring hands out the mbuf freed longest ago: a
 * core's in-flight mbufs
 * outgrow its cache (256) once a few hundred connections each hold some, and
 * the cache then refills from the ring's far end, with mbufs in no cache
 * (perf, crr with 512 connections over the pair: the first stores to a fresh
 * mbuf held three quarters of tcp_build's samples, and tcp_build fell from
 * 16% of the client's core to 5% on "stack"). */
const char *
config_pool_ops(const struct config *cfg)
{
	switch (cfg->pool_handler) {
	case POOL_HANDLER_STACK:
		return "stack";
	case POOL_HANDLER_RING:
		return "ring_mp_mc";
	default:
		return NULL;
	}
}

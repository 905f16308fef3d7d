/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The INI configuration loader: config/tap.ini equals the built-in defaults,
 * the shipped files load cleanly, and every kind of problem gives exactly the
 * one-line message it should (written to a temporary file, loaded, and the
 * error stream compared with the temporary path shown as "FILE").
 *
 *   test -> write_ini(text) -> config_load(path, memstream) -> compare lines
 *
 * The shipped files are found under $TERN_SOURCE_ROOT/config (default ./config).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_ip.h>

#include "core/config.h"
#include "wire/ipv4.h"

/* What one config_load call returned and printed. */
struct load_result {
	int ret;
	char msgs[4096]; /* the error stream, with the file's path replaced by "FILE" */
};

static void
source_file(char *buf, size_t len, const char *name)
{
	const char *root = getenv("TERN_SOURCE_ROOT");

	snprintf(buf, len, "%s/config/%s", root != NULL ? root : ".", name);
}

/* Replace every @from in @s (a buffer of @len bytes) by @to. */
static void
replace_all(char *s, size_t len, const char *from, const char *to)
{
	char out[4096] = "";
	const char *in = s, *hit;
	size_t used = 0;

	while ((hit = strstr(in, from)) != NULL && used < sizeof(out)) {
		used += snprintf(out + used, sizeof(out) - used, "%.*s%s", (int)(hit - in), in, to);
		in = hit + strlen(from);
	}
	if (used < sizeof(out))
		snprintf(out + used, sizeof(out) - used, "%s", in);
	snprintf(s, len, "%s", out);
}

static void
load_path(struct config *c, const char *path, struct load_result *r)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *err = open_memstream(&buf, &size);

	assert_non_null(err);
	r->ret = config_load(c, path, err);
	fclose(err);
	assert_true(size < sizeof(r->msgs));
	memcpy(r->msgs, buf, size + 1);
	free(buf);
	replace_all(r->msgs, sizeof(r->msgs), path, "FILE");
}

/* Write @len bytes of @text to a new file under /tmp and load it over @c. */
static void
load_bytes(struct config *c, const char *text, size_t len, struct load_result *r)
{
	char path[] = "/tmp/tern_config_XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	load_path(c, path, r);
	unlink(path);
}

static void
load_text(struct config *c, const char *text, struct load_result *r)
{
	load_bytes(c, text, strlen(text), r);
}

/* The smallest valid file. */
#define MIN_INI "[port]\n[ip]\n"

/*
 * Files with problems and exactly what they print. The return value is the
 * number of lines, or -1 for a file that is not INI.
 */
struct bad_case {
	const char *name;
	const char *ini;
	const char *msgs;
	int ret;
};

#define NOT_INT(key, val, range) key ": '" val "' is not an integer (expected " range ")\n"
#define NOT_IN(key, val, range)  key ": '" val "' is not in range (expected " range ")\n"
#define NOT_BOOL(key, val)                                                                         \
	key ": '" val "' is not a boolean (expected yes, no, true, false, 1 or 0)\n"
#define NOT_PROB(key, val) key ": '" val "' is not a probability (expected a decimal number 0..1)\n"
#define NOT_KEY(val)                                                                               \
	"FILE: [port] rss_key: '" val "' is not a key in hex (expected 16..64 bytes, a multiple "  \
	"of 4: 2 hex digits a byte)\n"
#define KEY16 "6d5a6d5a6d5a6d5a6d5a6d5a6d5a6d5a" /* 16 bytes, the shortest key */
#define NOT_MAC(val)                                                                               \
	"FILE: [port] mac: '" val "' is not a unicast MAC address (expected xx:xx:xx:xx:xx:xx, "   \
	"not multicast or all zeros)\n"
#define NOT_ADDR(val)                                                                              \
	"FILE: [ip] address: '" val "' is not an address with prefix length (expected "            \
	"A.B.C.D/LEN, LEN 1..32)\n"
#define NOT_HOST(key, val, why)                                                                    \
	"FILE: [ip] " key ": '" val "' is not a usable host address (expected a unicast "          \
	"address, " why ")\n"
#define GW(val, why)                                                                               \
	"FILE: [ip] gateway: '" val "' is not " why                                                \
	" (expected a host of 198.18.0.0/24 other than 198.18.0.2)\n"
#define NOT_INI(line, why) "FILE: cannot read: line " #line ": " why "\n"

static const struct bad_case bad_cases[] = {
	/* sections */
	{ "empty file", "", "FILE: [port]: missing section\nFILE: [ip]: missing section\n", 2 },
	{ "missing [ip]", "[port]\nmtu = 1500\n", "FILE: [ip]: missing section\n", 1 },
	{ "missing [port]", "[ip]\n", "FILE: [port]: missing section\n", 1 },
	{ "unknown section", MIN_INI "[udp]\nmss = 1460\n",
	  "FILE: [udp]: unknown section (expected port, ip, arp, pool, limits, tcp or fault)\n",
	  1 },
	{ "section names are lower case", "[Port]\n[ip]\n",
	  "FILE: [Port]: unknown section (expected port, ip, arp, pool, limits, tcp or fault)\n"
	  "FILE: [port]: missing section\n",
	  2 },
	{ "duplicate section", MIN_INI "[port]\n", "FILE: [port]: duplicate section\n", 1 },
	/* keys */
	{ "unknown key", "[port]\nmtux = 1500\n[ip]\n",
	  "FILE: [port] mtux: unknown key (expected port_id, rx_desc, tx_desc, mtu, mac, "
	  "promiscuous, rss_key, checksums or tx_queue_us)\n",
	  1 },
	{ "key of another section", "[port]\nttl = 64\n[ip]\n",
	  "FILE: [port] ttl: unknown key (expected port_id, rx_desc, tx_desc, mtu, mac, "
	  "promiscuous, rss_key, checksums or tx_queue_us)\n",
	  1 },
	{ "duplicate key", "[port]\nmtu = 1500\nmtu = 9000\n[ip]\n",
	  "FILE: [port] mtu: duplicate key\n", 1 },
	/* integers */
	{ "rx_desc too small", "[port]\nrx_desc = 31\n[ip]\n",
	  NOT_IN("FILE: [port] rx_desc", "31", "32..16384"), 1 },
	{ "tx_desc too large", "[port]\ntx_desc = 16385\n[ip]\n",
	  NOT_IN("FILE: [port] tx_desc", "16385", "32..16384"), 1 },
	{ "mtu too small", "[port]\nmtu = 67\n[ip]\n", NOT_IN("FILE: [port] mtu", "67", "68..9000"),
	  1 },
	{ "mtu too large", "[port]\nmtu = 9001\n[ip]\n",
	  NOT_IN("FILE: [port] mtu", "9001", "68..9000"), 1 },
	{ "mtu trailing junk", "[port]\nmtu = 1500x\n[ip]\n",
	  NOT_INT("FILE: [port] mtu", "1500x", "68..9000"), 1 },
	{ "mtu negative", "[port]\nmtu = -1500\n[ip]\n",
	  NOT_INT("FILE: [port] mtu", "-1500", "68..9000"), 1 },
	{ "mtu plus sign", "[port]\nmtu = +1500\n[ip]\n",
	  NOT_INT("FILE: [port] mtu", "+1500", "68..9000"), 1 },
	{ "mtu hex", "[port]\nmtu = 0x5dc\n[ip]\n",
	  NOT_INT("FILE: [port] mtu", "0x5dc", "68..9000"), 1 },
	{ "mtu decimal point", "[port]\nmtu = 1500.0\n[ip]\n",
	  NOT_INT("FILE: [port] mtu", "1500.0", "68..9000"), 1 },
	{ "mtu inner space", "[port]\nmtu = 15 00\n[ip]\n",
	  NOT_INT("FILE: [port] mtu", "15 00", "68..9000"), 1 },
	{ "mtu empty", "[port]\nmtu =\n[ip]\n", NOT_INT("FILE: [port] mtu", "", "68..9000"), 1 },
	{ "mtu beyond 64 bits", "[port]\nmtu = 99999999999999999999999\n[ip]\n",
	  NOT_IN("FILE: [port] mtu", "99999999999999999999999", "68..9000"), 1 },
	{ "ttl too small", "[port]\n[ip]\nttl = 0\n", NOT_IN("FILE: [ip] ttl", "0", "1..255"), 1 },
	{ "ttl too large", "[port]\n[ip]\nttl = 256\n", NOT_IN("FILE: [ip] ttl", "256", "1..255"),
	  1 },
	{ "arp entries too small", MIN_INI "[arp]\nentries = 15\n",
	  NOT_IN("FILE: [arp] entries", "15", "16..1048576"), 1 },
	{ "arp entries too large", MIN_INI "[arp]\nentries = 1048577\n",
	  NOT_IN("FILE: [arp] entries", "1048577", "16..1048576"), 1 },
	{ "arp timeout_s 0", MIN_INI "[arp]\ntimeout_s = 0\n",
	  NOT_IN("FILE: [arp] timeout_s", "0", "1..86400"), 1 },
	{ "arp timeout_s too large", MIN_INI "[arp]\ntimeout_s = 86401\n",
	  NOT_IN("FILE: [arp] timeout_s", "86401", "1..86400"), 1 },
	{ "arp pending too large", MIN_INI "[arp]\npending = 65536\n",
	  NOT_IN("FILE: [arp] pending", "65536", "1..65535"), 1 },
	{ "arp pending_total too small", MIN_INI "[arp]\npending_total = 15\n",
	  NOT_IN("FILE: [arp] pending_total", "15", "16..1048576"), 1 },
	{ "arp retries too large", MIN_INI "[arp]\nretries = 11\n",
	  NOT_IN("FILE: [arp] retries", "11", "1..10"), 1 },
	{ "arp retry_ms too small", MIN_INI "[arp]\nretry_ms = 9\n",
	  NOT_IN("FILE: [arp] retry_ms", "9", "10..60000"), 1 },
	{ "pool mbufs too small", MIN_INI "[pool]\nmbufs = 1023\n",
	  NOT_IN("FILE: [pool] mbufs", "1023", "1024..16777215"), 1 },
	{ "pool mbufs too large", MIN_INI "[pool]\nmbufs = 16777216\n",
	  NOT_IN("FILE: [pool] mbufs", "16777216", "1024..16777215"), 1 },
	{ "pool cache too large", MIN_INI "[pool]\ncache = 513\n",
	  NOT_IN("FILE: [pool] cache", "513", "0..512"), 1 },
	{ "pool data_room too small", MIN_INI "[pool]\ndata_room = 1023\n",
	  NOT_IN("FILE: [pool] data_room", "1023", "1024..65000"), 1 },
	{ "pool data_room too large", MIN_INI "[pool]\ndata_room = 65001\n",
	  NOT_IN("FILE: [pool] data_room", "65001", "1024..65000"), 1 },
	{ "pool handler lifo", MIN_INI "[pool]\nhandler = lifo\n",
	  "FILE: [pool] handler: 'lifo' is not a choice (expected stack, ring or default)\n", 1 },
	{ "limits flows too small", MIN_INI "[limits]\nflows = 63\n",
	  NOT_IN("FILE: [limits] flows", "63", "64..16777216"), 1 },
	{ "limits flows too large", MIN_INI "[limits]\nflows = 16777217\n",
	  NOT_IN("FILE: [limits] flows", "16777217", "64..16777216"), 1 },
	{ "limits burst 0", MIN_INI "[limits]\nburst = 0\n",
	  NOT_IN("FILE: [limits] burst", "0", "1..256"), 1 },
	{ "limits burst too large", MIN_INI "[limits]\nburst = 257\n",
	  NOT_IN("FILE: [limits] burst", "257", "1..256"), 1 },
	{ "limits idle_yield_polls too large", MIN_INI "[limits]\nidle_yield_polls = 100000001\n",
	  NOT_IN("FILE: [limits] idle_yield_polls", "100000001", "0..100000000"), 1 },
	{ "fault seed negative", MIN_INI "[fault]\nseed = -1\n",
	  NOT_INT("FILE: [fault] seed", "-1", "0..18446744073709551615"), 1 },
	{ "fault seed beyond 64 bits", MIN_INI "[fault]\nseed = 18446744073709551616\n",
	  NOT_IN("FILE: [fault] seed", "18446744073709551616", "0..18446744073709551615"), 1 },
	{ "fault reorder gap 0", MIN_INI "[fault]\nrx_reorder_gap = 0\n",
	  NOT_IN("FILE: [fault] rx_reorder_gap", "0", "1..31"), 1 },
	{ "fault reorder gap too large", MIN_INI "[fault]\ntx_reorder_gap = 32\n",
	  NOT_IN("FILE: [fault] tx_reorder_gap", "32", "1..31"), 1 },
	{ "fault link rate too large", MIN_INI "[fault]\ntx_link_mbit = 400001\n",
	  NOT_IN("FILE: [fault] tx_link_mbit", "400001", "0..400000"), 1 },
	{ "fault link ring too small", MIN_INI "[fault]\ntx_link_ring = 15\n",
	  NOT_IN("FILE: [fault] tx_link_ring", "15", "16..4096"), 1 },
	{ "fault link ring too large", MIN_INI "[fault]\ntx_link_ring = 4097\n",
	  NOT_IN("FILE: [fault] tx_link_ring", "4097", "16..4096"), 1 },
	{ "port tx_queue_us too large", "[port]\ntx_queue_us = 100001\n[ip]\n",
	  NOT_IN("FILE: [port] tx_queue_us", "100001", "0..100000"), 1 },
	/* a limit on the port's queue needs a port whose queue is known */
	{ "port tx_queue_us without a line", "[port]\ntx_queue_us = 30\n[ip]\n",
	  "FILE: [port] tx_queue_us: '30' needs [fault] tx_link_mbit (the one port whose queue "
	  "depth is known; expected 0 without it)\n",
	  1 },
	{ "tcp syn_backlog 0", MIN_INI "[tcp]\nsyn_backlog = 0\n",
	  NOT_IN("FILE: [tcp] syn_backlog", "0", "1..4194304"), 1 },
	{ "tcp syn_backlog too large", MIN_INI "[tcp]\nsyn_backlog = 4194305\n",
	  NOT_IN("FILE: [tcp] syn_backlog", "4194305", "1..4194304"), 1 },
	/* choices */
	{ "syncookies maybe", MIN_INI "[tcp]\nsyncookies = maybe\n",
	  "FILE: [tcp] syncookies: 'maybe' is not a choice (expected no, yes or always)\n", 1 },
	{ "syncookies true", MIN_INI "[tcp]\nsyncookies = true\n",
	  "FILE: [tcp] syncookies: 'true' is not a choice (expected no, yes or always)\n", 1 },
	{ "syncookies empty", MIN_INI "[tcp]\nsyncookies =\n",
	  "FILE: [tcp] syncookies: '' is not a choice (expected no, yes or always)\n", 1 },
	{ "congestion_control reno", MIN_INI "[tcp]\ncongestion_control = reno\n",
	  "FILE: [tcp] congestion_control: 'reno' is not a choice (expected newreno or cubic)\n",
	  1 },
	{ "congestion_control bbr", MIN_INI "[tcp]\ncongestion_control = bbr\n",
	  "FILE: [tcp] congestion_control: 'bbr' is not a choice (expected newreno or cubic)\n",
	  1 },
	{ "tso yes", MIN_INI "[tcp]\ntso = yes\n",
	  "FILE: [tcp] tso: 'yes' is not a choice (expected no or auto)\n", 1 },
	/* booleans */
	{ "promiscuous maybe", "[port]\npromiscuous = maybe\n[ip]\n",
	  "FILE: [port] " NOT_BOOL("promiscuous", "maybe"), 1 },
	{ "promiscuous on", "[port]\npromiscuous = on\n[ip]\n",
	  "FILE: [port] " NOT_BOOL("promiscuous", "on"), 1 },
	{ "promiscuous 2", "[port]\npromiscuous = 2\n[ip]\n",
	  "FILE: [port] " NOT_BOOL("promiscuous", "2"), 1 },
	/* probabilities */
	{ "probability above 1", MIN_INI "[fault]\nrx_drop = 1.5\n",
	  "FILE: [fault] " NOT_PROB("rx_drop", "1.5"), 1 },
	{ "probability negative", MIN_INI "[fault]\ntx_drop = -0.1\n",
	  "FILE: [fault] " NOT_PROB("tx_drop", "-0.1"), 1 },
	{ "probability nan", MIN_INI "[fault]\nrx_duplicate = nan\n",
	  "FILE: [fault] " NOT_PROB("rx_duplicate", "nan"), 1 },
	{ "probability inf", MIN_INI "[fault]\nrx_reorder = inf\n",
	  "FILE: [fault] " NOT_PROB("rx_reorder", "inf"), 1 },
	{ "probability hex", MIN_INI "[fault]\nrx_corrupt = 0x1p-1\n",
	  "FILE: [fault] " NOT_PROB("rx_corrupt", "0x1p-1"), 1 },
	{ "probability trailing junk", MIN_INI "[fault]\nrx_truncate = 0.5x\n",
	  "FILE: [fault] " NOT_PROB("rx_truncate", "0.5x"), 1 },
	{ "probability percent", MIN_INI "[fault]\ntx_corrupt = 5%\n",
	  "FILE: [fault] " NOT_PROB("tx_corrupt", "5%"), 1 },
	{ "probability empty", MIN_INI "[fault]\ntx_truncate =\n",
	  "FILE: [fault] " NOT_PROB("tx_truncate", ""), 1 },
	/* MAC */
	{ "mac too short", "[port]\nmac = 02:00:00:00:00\n[ip]\n", NOT_MAC("02:00:00:00:00"), 1 },
	{ "mac dashes", "[port]\nmac = 02-00-00-00-00-01\n[ip]\n", NOT_MAC("02-00-00-00-00-01"),
	  1 },
	{ "mac not hex", "[port]\nmac = 02:00:00:00:00:0g\n[ip]\n", NOT_MAC("02:00:00:00:00:0g"),
	  1 },
	{ "mac one digit groups", "[port]\nmac = 2:0:0:0:0:1\n[ip]\n", NOT_MAC("2:0:0:0:0:1"), 1 },
	{ "mac multicast", "[port]\nmac = 01:00:5e:00:00:01\n[ip]\n", NOT_MAC("01:00:5e:00:00:01"),
	  1 },
	{ "mac broadcast", "[port]\nmac = ff:ff:ff:ff:ff:ff\n[ip]\n", NOT_MAC("ff:ff:ff:ff:ff:ff"),
	  1 },
	{ "mac zero", "[port]\nmac = 00:00:00:00:00:00\n[ip]\n", NOT_MAC("00:00:00:00:00:00"), 1 },
	/* [port] rss_key */
	{ "rss_key too short", "[port]\nrss_key = 6d5a6d5a\n[ip]\n", NOT_KEY("6d5a6d5a"), 1 },
	{ "rss_key too long", "[port]\nrss_key = " KEY16 KEY16 KEY16 KEY16 "6d5a6d5a\n[ip]\n",
	  NOT_KEY(KEY16 KEY16 KEY16 KEY16 "6d5a6d5a"), 1 },
	{ "rss_key odd digits", "[port]\nrss_key = " KEY16 "6\n[ip]\n", NOT_KEY(KEY16 "6"), 1 },
	{ "rss_key not whole words", "[port]\nrss_key = " KEY16 "6d5a\n[ip]\n",
	  NOT_KEY(KEY16 "6d5a"), 1 },
	{ "rss_key not hex", "[port]\nrss_key = " KEY16 "6d5a6d5g\n[ip]\n",
	  NOT_KEY(KEY16 "6d5a6d5g"), 1 },
	{ "rss_key with 0x", "[port]\nrss_key = 0x" KEY16 "\n[ip]\n", NOT_KEY("0x" KEY16), 1 },
	{ "rss_key with colons", "[port]\nrss_key = 6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d\n[ip]\n",
	  NOT_KEY("6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d"), 1 },
	/* [ip] address */
	{ "address without length", "[port]\n[ip]\naddress = 198.18.0.2\n", NOT_ADDR("198.18.0.2"),
	  1 },
	{ "address length 0", "[port]\n[ip]\naddress = 198.18.0.2/0\n", NOT_ADDR("198.18.0.2/0"),
	  1 },
	{ "address length 33", "[port]\n[ip]\naddress = 198.18.0.2/33\n", NOT_ADDR("198.18.0.2/33"),
	  1 },
	{ "address length junk", "[port]\n[ip]\naddress = 198.18.0.2/24x\n",
	  NOT_ADDR("198.18.0.2/24x"), 1 },
	{ "address length empty", "[port]\n[ip]\naddress = 198.18.0.2/\n", NOT_ADDR("198.18.0.2/"),
	  1 },
	{ "address three octets", "[port]\n[ip]\naddress = 198.18.0/24\n", NOT_ADDR("198.18.0/24"),
	  1 },
	{ "address octet too large", "[port]\n[ip]\naddress = 198.18.0.256/24\n",
	  NOT_ADDR("198.18.0.256/24"), 1 },
	{ "address octet leading zero", "[port]\n[ip]\naddress = 198.018.0.2/24\n",
	  NOT_ADDR("198.018.0.2/24"), 1 },
	{ "address hostname", "[port]\n[ip]\naddress = localhost/8\n", NOT_ADDR("localhost/8"), 1 },
	{ "address network", "[port]\n[ip]\naddress = 198.18.0.0/24\n",
	  NOT_HOST("address", "198.18.0.0/24", "not the network address of its prefix"), 1 },
	{ "address broadcast", "[port]\n[ip]\naddress = 198.18.0.255/24\n",
	  NOT_HOST("address", "198.18.0.255/24", "not the broadcast address of its prefix"), 1 },
	{ "address zero", "[port]\n[ip]\naddress = 0.0.0.0/8\n",
	  NOT_HOST("address", "0.0.0.0/8", "not in 0.0.0.0/8"), 1 },
	{ "address loopback", "[port]\n[ip]\naddress = 127.0.0.1/8\n",
	  NOT_HOST("address", "127.0.0.1/8", "not loopback 127.0.0.0/8"), 1 },
	{ "address multicast", "[port]\n[ip]\naddress = 224.0.0.1/24\n",
	  NOT_HOST("address", "224.0.0.1/24", "not multicast 224.0.0.0/4"), 1 },
	{ "address reserved", "[port]\n[ip]\naddress = 240.0.0.1/24\n",
	  NOT_HOST("address", "240.0.0.1/24", "not reserved 240.0.0.0/4"), 1 },
	{ "address limited broadcast", "[port]\n[ip]\naddress = 255.255.255.255/32\n",
	  NOT_HOST("address", "255.255.255.255/32", "not reserved 240.0.0.0/4"), 1 },
	/* [ip] gateway */
	{ "gateway not an address", "[port]\n[ip]\ngateway = 198.18.0\n",
	  "FILE: [ip] gateway: '198.18.0' is not an IPv4 address (expected A.B.C.D)\n", 1 },
	{ "gateway with length", "[port]\n[ip]\ngateway = 198.18.0.1/24\n",
	  "FILE: [ip] gateway: '198.18.0.1/24' is not an IPv4 address (expected A.B.C.D)\n", 1 },
	{ "gateway loopback", "[port]\n[ip]\ngateway = 127.0.0.1\n",
	  NOT_HOST("gateway", "127.0.0.1", "not loopback 127.0.0.0/8"), 1 },
	{ "gateway outside the prefix", "[port]\n[ip]\ngateway = 198.18.1.1\n",
	  GW("198.18.1.1", "inside the [ip] address prefix"), 1 },
	{ "gateway is the address", "[port]\n[ip]\ngateway = 198.18.0.2\n",
	  GW("198.18.0.2", "distinct from the [ip] address"), 1 },
	{ "gateway broadcast", "[port]\n[ip]\ngateway = 198.18.0.255\n",
	  GW("198.18.0.255", "a host address of the [ip] address prefix"), 1 },
	{ "gateway checked against the new address",
	  "[port]\n[ip]\naddress = 10.0.0.2/8\ngateway = 198.18.0.1\n",
	  "FILE: [ip] gateway: '198.18.0.1' is not inside the [ip] address prefix (expected a host "
	  "of 10.0.0.0/8 other than 10.0.0.2)\n",
	  1 },
	{ "gateway not checked against a bad address",
	  "[port]\n[ip]\naddress = 10.0.0.0/8\ngateway = 10.0.0.1\n",
	  NOT_HOST("address", "10.0.0.0/8", "not the network address of its prefix"), 1 },
	/* not INI: the first problem only, -1 */
	{ "line without '='", "[port]\nmtu 1500\n[ip]\n",
	  NOT_INI(2, "neither [section] nor key = value (comments start with ';')"), -1 },
	{ "hash comment", "# Tern\n[port]\n[ip]\n",
	  NOT_INI(1, "neither [section] nor key = value (comments start with ';')"), -1 },
	{ "unterminated section", "[port\n[ip]\n", NOT_INI(1, "no ']' closes the section name"),
	  -1 },
	{ "text after section", "[port] x\n[ip]\n", NOT_INI(1, "text after ']'"), -1 },
	{ "key before any section", "mtu = 1500\n[port]\n[ip]\n",
	  NOT_INI(1, "key = value before any [section]"), -1 },
	{ "no key", "[port]\n= 1500\n[ip]\n", NOT_INI(2, "no key before '='"), -1 },
	{ "first syntax problem only", "[port]\nmtu 1500\n[ip\n",
	  NOT_INI(2, "neither [section] nor key = value (comments start with ';')"), -1 },
};

static void
test_bad_case(void **state)
{
	const struct bad_case *bc = *state;
	struct load_result r;
	struct config c, before;

	config_defaults(&c);
	before = c;
	load_text(&c, bc->ini, &r);
	assert_string_equal(r.msgs, bc->msgs);
	assert_int_equal(r.ret, bc->ret);
	/* a file with problems changes nothing */
	assert_memory_equal(&c, &before, sizeof(c));
}

/* Every problem is reported, one line each: in file order, then the missing
 * sections, then the checks across keys. */
static void
test_several_problems(void **state)
{
	static const char ini[] = "[port]\n"
	                          "mtu = 0\n"
	                          "rx_desc = x\n"
	                          "bogus = 1\n"
	                          "[bogus]\n"
	                          "[limits]\n"
	                          "burst = 999\n"
	                          "[ip]\n"
	                          "gateway = 10.1.1.1\n"
	                          "[limits]\n";
	static const char msgs[] =
	        "FILE: [port] mtu: '0' is not in range (expected 68..9000)\n"
	        "FILE: [port] rx_desc: 'x' is not an integer (expected 32..16384)\n"
	        "FILE: [port] bogus: unknown key (expected port_id, rx_desc, tx_desc, mtu, mac, "
	        "promiscuous, rss_key, checksums or tx_queue_us)\n"
	        "FILE: [bogus]: unknown section (expected port, ip, arp, pool, limits, tcp or "
	        "fault)\n"
	        "FILE: [limits] burst: '999' is not in range (expected 1..256)\n"
	        "FILE: [limits]: duplicate section\n"
	        "FILE: [ip] gateway: '10.1.1.1' is not inside the [ip] address prefix (expected a "
	        "host of 198.18.0.0/24 other than 198.18.0.2)\n";
	struct load_result r;
	struct config c;

	(void)state;
	config_defaults(&c);
	load_text(&c, ini, &r);
	assert_string_equal(r.msgs, msgs);
	assert_int_equal(r.ret, 7);
}

static void
assert_config_equal(const struct config *a, const struct config *b)
{
	assert_int_equal(a->port_id, b->port_id);
	assert_int_equal(a->rx_desc, b->rx_desc);
	assert_int_equal(a->tx_desc, b->tx_desc);
	assert_int_equal(a->mtu, b->mtu);
	assert_int_equal(a->mac_set, b->mac_set);
	assert_memory_equal(&a->mac, &b->mac, sizeof(a->mac));
	assert_int_equal(a->promiscuous, b->promiscuous);
	assert_int_equal(a->rss_key_len, b->rss_key_len);
	assert_memory_equal(a->rss_key, b->rss_key, sizeof(a->rss_key));
	assert_int_equal(a->ip_addr, b->ip_addr);
	assert_int_equal(a->ip_prefix, b->ip_prefix);
	assert_int_equal(a->ip_gateway, b->ip_gateway);
	assert_int_equal(a->ip_ttl, b->ip_ttl);
	assert_int_equal(a->arp_entries, b->arp_entries);
	assert_int_equal(a->arp_timeout_s, b->arp_timeout_s);
	assert_int_equal(a->arp_pending, b->arp_pending);
	assert_int_equal(a->arp_pending_total, b->arp_pending_total);
	assert_int_equal(a->arp_retries, b->arp_retries);
	assert_int_equal(a->arp_retry_ms, b->arp_retry_ms);
	assert_int_equal(a->pool_mbufs, b->pool_mbufs);
	assert_int_equal(a->pool_cache, b->pool_cache);
	assert_int_equal(a->pool_data_room, b->pool_data_room);
	assert_int_equal(a->pool_handler, b->pool_handler);
	assert_int_equal(a->flows, b->flows);
	assert_int_equal(a->burst, b->burst);
	assert_int_equal(a->idle_yield_polls, b->idle_yield_polls);
	assert_memory_equal(&a->fault_rx, &b->fault_rx, sizeof(a->fault_rx));
	assert_memory_equal(&a->fault_tx, &b->fault_tx, sizeof(a->fault_tx));
	assert_true(a->fault_seed == b->fault_seed);
	assert_int_equal(a->tcp_syn_backlog, b->tcp_syn_backlog);
	assert_int_equal(a->tcp_syncookies, b->tcp_syncookies);
	assert_int_equal(a->tcp_cc, b->tcp_cc);
	assert_memory_equal(a, b, sizeof(*a));
}

static void
test_defaults_equal_tap_ini(void **state)
{
	struct config file, defaults;
	struct load_result r;
	char path[512];

	(void)state;
	source_file(path, sizeof(path), "tap.ini");
	memset(&file, 0, sizeof(file));
	load_path(&file, path, &r);
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.ret, 0);
	config_defaults(&defaults);
	assert_config_equal(&file, &defaults);
	assert_int_equal(defaults.ip_addr, IPV4_ADDR(198, 18, 0, 2));
	assert_int_equal(defaults.ip_prefix, 24);
	assert_false(defaults.mac_set);
	assert_int_equal(defaults.ip_gateway, 0);
}

/* Every field set, valid, and unlike its default. */
static void
config_unlike_defaults(struct config *c)
{
	struct fault_config *dirs[] = { &c->fault_rx, &c->fault_tx };
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->port_id = 3;
	c->rx_desc = 64;
	c->tx_desc = 64;
	c->mtu = 9000;
	c->mac_set = true;
	c->mac = (struct rte_ether_addr){ .addr_bytes = { 2, 0, 0, 0, 0, 9 } };
	c->promiscuous = true;
	c->rss_key_len = 52;
	memset(c->rss_key, 0xa5, c->rss_key_len);
	c->ip_addr = IPV4_ADDR(198, 18, 0, 5);
	c->ip_prefix = 16;
	c->ip_gateway = IPV4_ADDR(198, 18, 0, 1);
	c->ip_ttl = 1;
	c->arp_entries = 16;
	c->arp_timeout_s = 1;
	c->arp_pending = 1;
	c->arp_pending_total = 16;
	c->arp_retries = 1;
	c->arp_retry_ms = 10;
	c->pool_mbufs = 1024;
	c->pool_cache = 0;
	c->pool_data_room = 1024;
	c->flows = 64;
	c->burst = 1;
	for (i = 0; i < RTE_DIM(dirs); i++) {
		dirs[i]->drop = 0.5;
		dirs[i]->duplicate = 0.5;
		dirs[i]->reorder = 0.5;
		dirs[i]->reorder_gap = 7;
		dirs[i]->corrupt = 0.5;
		dirs[i]->truncate = 0.5;
	}
	c->fault_seed = 99;
	c->tcp_conns = 16;
	c->tcp_msl_s = 1;
	c->tcp_rto_min_ms = 10;
	c->tcp_rto_max_ms = 1000;
	c->tcp_rto_init_ms = 100;
	c->tcp_retries = 1;
	c->tcp_syn_retries = 1;
	c->tcp_delack_ms = 1;
	c->tcp_snd_buf = 4096;
	c->tcp_rcv_buf = 4096;
	c->tcp_init_cwnd = 1;
	c->tcp_keepalive_s = 1;
	c->tcp_keepalive_intvl_s = 1;
	c->tcp_keepalive_probes = 1;
	c->tcp_challenge_acks = 1;
	c->tcp_sack = false;
	c->tcp_timestamps = false;
	c->tcp_window_scaling = false;
	c->tcp_tail_loss_probe = false;
	c->tcp_zero_copy_tx = true;
	c->tcp_tso = TCP_TSO_NO;
	c->tcp_local_port_min = 1024;
	c->tcp_local_port_max = 1024;
	c->tcp_syn_backlog = 1;
	c->tcp_syncookies = TCP_SYNCOOKIES_ALWAYS;
	c->tcp_cc = TCP_CC_CHOICE_CUBIC;
}

/* tap.ini sets every key but the optional mac, rss_key and gateway: loaded
 * over a config unlike the defaults, only those three stay. */
static void
test_tap_ini_sets_every_key(void **state)
{
	struct config c, expect;
	struct load_result r;
	char path[512];

	(void)state;
	source_file(path, sizeof(path), "tap.ini");
	config_unlike_defaults(&c);
	load_path(&c, path, &r);
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.ret, 0);
	config_defaults(&expect);
	expect.mac_set = true;
	expect.mac = (struct rte_ether_addr){ .addr_bytes = { 2, 0, 0, 0, 0, 9 } };
	expect.ip_gateway = IPV4_ADDR(198, 18, 0, 1);
	expect.rss_key_len = 52;
	memset(expect.rss_key, 0xa5, expect.rss_key_len);
	assert_config_equal(&c, &expect);
}

static void
test_nic_ini(void **state)
{
	struct load_result r;
	struct config c;
	char path[512];

	(void)state;
	source_file(path, sizeof(path), "nic.ini");
	config_defaults(&c);
	load_path(&c, path, &r);
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.ret, 0);
	assert_int_equal(c.port_id, 0);
	assert_false(c.promiscuous);
	assert_false(c.mac_set);
	assert_int_equal(c.pool_mbufs, 65535);
	assert_int_equal(c.pool_cache, 512);
	/* Every connection, TIME_WAIT included, is one flow (OPERATIONS.md). */
	assert_int_equal(c.tcp_conns, 65536);
	assert_int_equal(c.flows, 2 * c.tcp_conns);
	assert_int_equal(c.tcp_syn_backlog, 1024);
	assert_int_equal(c.tcp_syncookies, TCP_SYNCOOKIES_YES);
}

static void
test_pair_ini(void **state)
{
	struct load_result r;
	struct config c;
	char path[512];

	(void)state;
	source_file(path, sizeof(path), "pair.ini");
	config_defaults(&c);
	load_path(&c, path, &r);
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.ret, 0);
	assert_int_equal(c.ip_addr, IPV4_ADDR(198, 18, 1, 1));
	assert_int_equal(c.ip_prefix, 24);
	assert_int_equal(c.burst, 64);
	assert_false(c.port_checksums);
	assert_int_equal(c.fault_link_mbit, 0);
}

/* The *-10g rows' file: config/pair.ini on an emulated 10 Gbit/s line, new
 * data held back past 30 us of it. */
static void
test_pair_10g_ini(void **state)
{
	struct load_result r;
	struct config c;
	char path[512];

	(void)state;
	source_file(path, sizeof(path), "pair-10g.ini");
	config_defaults(&c);
	load_path(&c, path, &r);
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.ret, 0);
	assert_int_equal(c.ip_addr, IPV4_ADDR(198, 18, 1, 1));
	assert_false(c.port_checksums);
	assert_int_equal(c.fault_link_mbit, 10000);
	assert_int_equal(c.fault_link_ring, 1024);
	assert_int_equal(c.port_tx_queue_us, 30);
}

/* [tcp] local_port_min/max: each 1024..65535, min at most max; one line
 * each, the order problem once both are in range. */
static void
test_local_ports(void **state)
{
	static const struct {
		const char *ini;
		const char *msgs;
		uint16_t min, max;
	} cases[] = {
		{ "local_port_min = 1024\nlocal_port_max = 65535\n", "", 1024, 65535 },
		{ "local_port_min = 5000\nlocal_port_max = 5000\n", "", 5000, 5000 },
		{ "local_port_min = 60000\n", "", 60000, 65535 },
		{ "local_port_min = 1023\n",
		  "FILE: [tcp] local_port_min: '1023' is not in range (expected 1024..65535)\n", 0,
		  0 },
		{ "local_port_max = 65536\n",
		  "FILE: [tcp] local_port_max: '65536' is not in range (expected 1024..65535)\n", 0,
		  0 },
		{ "local_port_min = 2000\nlocal_port_max = 1999\n",
		  "FILE: [tcp] local_port_min: '2000' is not at most local_port_max (expected "
		  "1024..1999)\n",
		  0, 0 },
	};
	char ini[256];

	(void)state;
	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		struct load_result r;
		struct config c;

		snprintf(ini, sizeof(ini), "[port]\n[ip]\naddress = 198.18.0.2/24\n[tcp]\n%s",
		         cases[i].ini);
		config_defaults(&c);
		load_text(&c, ini, &r);
		assert_string_equal(r.msgs, cases[i].msgs);
		assert_int_equal(r.ret, cases[i].msgs[0] == '\0' ? 0 : 1);
		if (r.ret == 0) {
			assert_int_equal(c.tcp_local_port_min, cases[i].min);
			assert_int_equal(c.tcp_local_port_max, cases[i].max);
		} else {
			assert_int_equal(c.tcp_local_port_min, 49152); /* unchanged on failure */
			assert_int_equal(c.tcp_local_port_max, 65535);
		}
	}
}

/* idle.ini: a million connections per engine over 16 server ports. */
static void
test_idle_ini(void **state)
{
	struct load_result r;
	struct config c;
	char path[512];

	(void)state;
	source_file(path, sizeof(path), "idle.ini");
	config_defaults(&c);
	load_path(&c, path, &r);
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.ret, 0);
	assert_int_equal(c.tcp_conns, 1048576);
	assert_true(c.flows >= c.tcp_conns);
	assert_true((c.tcp_local_port_max - c.tcp_local_port_min + 1u) * 16u >= 1000000u);
}

/* Values at the edges of what is accepted, in every spelling allowed. */
static void
test_good_values(void **state)
{
	static const char ini[] = "[port]\n"
	                          "  port_id=1  \n"
	                          "rx_desc = 32\n"
	                          "tx_desc = 16384 ; inline comment\n"
	                          "mtu = 68\n"
	                          "mac = 02:AB:cd:00:00:01\n"
	                          "promiscuous = YES\n"
	                          "[ip]\n"
	                          "address = 10.0.0.0/31\n"
	                          "gateway = 10.0.0.1\n"
	                          "ttl = 255\n"
	                          "[pool]\n"
	                          "cache = 0\n"
	                          "[fault]\n"
	                          "seed = 18446744073709551615\n"
	                          "rx_drop = 1\n"
	                          "rx_duplicate = 0.25\n"
	                          "rx_reorder = .5\n"
	                          "rx_corrupt = 1e-3\n"
	                          "rx_truncate = 0.0\n"
	                          "rx_reorder_gap = 31\n"
	                          "\n"
	                          "; the end\n";
	struct load_result r;
	struct config c;

	(void)state;
	config_defaults(&c);
	load_text(&c, ini, &r);
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.ret, 0);
	assert_int_equal(c.port_id, 1);
	assert_int_equal(c.rx_desc, 32);
	assert_int_equal(c.tx_desc, 16384);
	assert_int_equal(c.mtu, 68);
	assert_true(c.mac_set);
	assert_memory_equal(c.mac.addr_bytes, ((uint8_t[]){ 0x02, 0xab, 0xcd, 0, 0, 1 }), 6);
	assert_true(c.promiscuous);
	assert_int_equal(c.ip_addr, IPV4_ADDR(10, 0, 0, 0));
	assert_int_equal(c.ip_prefix, 31);
	assert_int_equal(c.ip_gateway, IPV4_ADDR(10, 0, 0, 1));
	assert_int_equal(c.ip_ttl, 255);
	assert_int_equal(c.pool_cache, 0);
	assert_true(c.fault_seed == UINT64_MAX);
	assert_true(c.fault_rx.drop == 1.0);
	assert_true(c.fault_rx.duplicate == 0.25);
	assert_true(c.fault_rx.reorder == 0.5);
	assert_true(c.fault_rx.corrupt == 1e-3);
	assert_true(c.fault_rx.truncate == 0.0);
	assert_int_equal(c.fault_rx.reorder_gap, 31);
	assert_true(c.fault_tx.drop == 0.0);
}

/* [port] rss_key: 16 to 64 bytes in whole 32-bit words, hex in any case;
 * the bytes in order, and its length. */
static void
test_rss_key(void **state)
{
	/* Microsoft's RSS verification key (see tests/unit/test_rss.c) */
	static const uint8_t ms[40] = {
		0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
		0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
		0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
	};
	static const struct {
		const char *hex;
		unsigned len;
	} keys[] = {
		{ "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01f"
		  "a",
		  40 },
		{ "6D5A56DA255B0EC24167253D43A38FB0D0CA2BCBAE7B30B477CB2DA38030F20C6A42B73BBEAC01F"
		  "A",
		  40 },
		{ "6d5a56da255b0ec24167253d43a38fb0", 16 },
		{ "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa"
		  "6d5a56da255b0ec24167253d",
		  52 },
		{ "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa"
		  "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b4",
		  64 },
	};
	struct load_result r;
	struct config c;
	char ini[256];

	(void)state;
	for (unsigned i = 0; i < RTE_DIM(keys); i++) {
		config_defaults(&c);
		assert_int_equal(c.rss_key_len, 0);
		snprintf(ini, sizeof(ini), "[port]\nrss_key = %s\n[ip]\n", keys[i].hex);
		load_text(&c, ini, &r);
		assert_string_equal(r.msgs, "");
		assert_int_equal(r.ret, 0);
		assert_int_equal(c.rss_key_len, keys[i].len);
		for (unsigned b = 0; b < keys[i].len; b++)
			assert_int_equal(c.rss_key[b], ms[b % sizeof(ms)]);
		/* a file without the key leaves it */
		load_text(&c, MIN_INI, &r);
		assert_int_equal(c.rss_key_len, keys[i].len);
	}
}

static void
test_booleans(void **state)
{
	static const struct {
		const char *word;
		bool value;
	} words[] = { { "yes", true }, { "true", true },   { "1", true },  { "True", true },
		      { "no", false }, { "false", false }, { "0", false }, { "NO", false } };
	struct load_result r;
	struct config c;
	char ini[128];
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(words); i++) {
		config_defaults(&c);
		c.promiscuous = !words[i].value;
		snprintf(ini, sizeof(ini), "[port]\npromiscuous = %s\n[ip]\n", words[i].word);
		load_text(&c, ini, &r);
		assert_string_equal(r.msgs, "");
		assert_int_equal(c.promiscuous, words[i].value);
	}
}

/* [tcp] syncookies: no, yes or always, in any case. */
static void
test_syncookies_words(void **state)
{
	static const struct {
		const char *word;
		enum tcp_syncookies value;
	} words[] = { { "no", TCP_SYNCOOKIES_NO },
		      { "yes", TCP_SYNCOOKIES_YES },
		      { "always", TCP_SYNCOOKIES_ALWAYS },
		      { "Always", TCP_SYNCOOKIES_ALWAYS },
		      { "NO", TCP_SYNCOOKIES_NO } };
	struct load_result r;
	struct config c;
	char ini[128];

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(words); i++) {
		config_defaults(&c);
		c.tcp_syncookies = words[i].value == TCP_SYNCOOKIES_NO ? TCP_SYNCOOKIES_YES
		                                                       : TCP_SYNCOOKIES_NO;
		snprintf(ini, sizeof(ini), MIN_INI "[tcp]\nsyncookies = %s\n", words[i].word);
		load_text(&c, ini, &r);
		assert_string_equal(r.msgs, "");
		assert_int_equal(c.tcp_syncookies, words[i].value);
	}
}

/* [tcp] congestion_control: newreno or cubic, in any case. */
static void
test_congestion_control_words(void **state)
{
	static const struct {
		const char *word;
		enum tcp_cc_choice value;
	} words[] = { { "newreno", TCP_CC_CHOICE_NEWRENO },
		      { "cubic", TCP_CC_CHOICE_CUBIC },
		      { "CUBIC", TCP_CC_CHOICE_CUBIC },
		      { "NewReno", TCP_CC_CHOICE_NEWRENO } };
	struct load_result r;
	struct config c;
	char ini[128];

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(words); i++) {
		config_defaults(&c);
		c.tcp_cc = words[i].value == TCP_CC_CHOICE_CUBIC ? TCP_CC_CHOICE_NEWRENO
		                                                 : TCP_CC_CHOICE_CUBIC;
		snprintf(ini, sizeof(ini), MIN_INI "[tcp]\ncongestion_control = %s\n",
		         words[i].word);
		load_text(&c, ini, &r);
		assert_string_equal(r.msgs, "");
		assert_int_equal(c.tcp_cc, words[i].value);
	}
}

/* [pool] handler: stack, ring or default, in any case. */
static void
test_pool_handler_words(void **state)
{
	static const struct {
		const char *word;
		enum pool_handler value;
	} words[] = { { "ring", POOL_HANDLER_RING },
		      { "default", POOL_HANDLER_DEFAULT },
		      { "Stack", POOL_HANDLER_STACK } };
	struct load_result r;
	struct config c;
	char ini[128];

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.pool_handler, POOL_HANDLER_STACK);
	for (unsigned int i = 0; i < RTE_DIM(words); i++) {
		c.pool_handler = words[i].value == POOL_HANDLER_STACK ? POOL_HANDLER_RING
		                                                      : POOL_HANDLER_STACK;
		snprintf(ini, sizeof(ini), MIN_INI "[pool]\nhandler = %s\n", words[i].word);
		load_text(&c, ini, &r);
		assert_string_equal(r.msgs, "");
		assert_int_equal(c.pool_handler, words[i].value);
	}
}

/* A file sets only what it names; the rest of @c stays as it was. */
static void
test_load_over(void **state)
{
	struct load_result r;
	struct config c;

	(void)state;
	config_defaults(&c);
	c.burst = 7;
	c.fault_seed = 42;
	load_text(&c, "[port]\nmtu = 9000\n[ip]\n", &r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(c.mtu, 9000);
	assert_int_equal(c.burst, 7);
	assert_true(c.fault_seed == 42);
}

static void
test_port_id_range(void **state)
{
	struct load_result r;
	char ini[64], expect[256];
	struct config c;

	(void)state;
	config_defaults(&c);
	snprintf(ini, sizeof(ini), "[port]\nport_id = %u\n[ip]\n", RTE_MAX_ETHPORTS - 1);
	load_text(&c, ini, &r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(c.port_id, RTE_MAX_ETHPORTS - 1);

	snprintf(ini, sizeof(ini), "[port]\nport_id = %u\n[ip]\n", RTE_MAX_ETHPORTS);
	snprintf(expect, sizeof(expect),
	         "FILE: [port] port_id: '%u' is not in range (expected 0..%u)\n", RTE_MAX_ETHPORTS,
	         RTE_MAX_ETHPORTS - 1);
	load_text(&c, ini, &r);
	assert_string_equal(r.msgs, expect);
	assert_int_equal(r.ret, 1);
}

/* rte_cfgfile reads lines of up to 322 characters; longer is not INI. */
static void
test_line_length(void **state)
{
	char ini[512];
	struct load_result r;
	struct config c;

	(void)state;
	config_defaults(&c);
	snprintf(ini, sizeof(ini), "[port]\n;%0321d\n[ip]\n", 0);
	load_text(&c, ini, &r);
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.ret, 0);

	snprintf(ini, sizeof(ini), "[port]\n;%0322d\n[ip]\n", 0);
	load_text(&c, ini, &r);
	assert_string_equal(r.msgs, "FILE: cannot read: line 2: longer than 322 characters\n");
	assert_int_equal(r.ret, -1);
}

static void
test_nul_byte(void **state)
{
	static const char ini[] = "[port]\nmtu = 15\0"
	                          "00\n[ip]\n";
	struct load_result r;
	struct config c;

	(void)state;
	config_defaults(&c);
	load_bytes(&c, ini, sizeof(ini) - 1, &r);
	assert_string_equal(r.msgs, "FILE: cannot read: line 2: contains a NUL byte\n");
	assert_int_equal(r.ret, -1);
}

static void
test_crlf(void **state)
{
	struct load_result r;
	struct config c;

	(void)state;
	config_defaults(&c);
	load_text(&c, "[port]\r\nmtu = 9000\r\n[ip]\r\n", &r);
	assert_string_equal(r.msgs, "");
	assert_int_equal(c.mtu, 9000);
}

static void
test_missing_file(void **state)
{
	struct load_result r;
	struct config c, before;

	(void)state;
	config_defaults(&c);
	before = c;
	load_path(&c, "/nonexistent/tern.ini", &r);
	assert_string_equal(r.msgs, "FILE: cannot read: No such file or directory\n");
	assert_int_equal(r.ret, -1);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void
test_directory(void **state)
{
	struct load_result r;
	struct config c;

	(void)state;
	config_defaults(&c);
	load_path(&c, "/tmp", &r);
	assert_string_equal(r.msgs, "FILE: cannot read: Is a directory\n");
	assert_int_equal(r.ret, -1);
}

/* With no stream the problems are still counted. */
static void
test_null_err(void **state)
{
	char path[] = "/tmp/tern_config_XXXXXX";
	static const char ini[] = "[port]\nmtu = 1\n[ip]\nttl = 0\n";
	struct config c;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, ini, sizeof(ini) - 1), (ssize_t)(sizeof(ini) - 1));
	close(fd);
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, NULL), 2);
	unlink(path);
	assert_int_equal(config_load(&c, path, NULL), -1);
}

static void
test_set_ip(void **state)
{
	static const struct {
		const char *s;
		uint32_t addr;
		uint8_t prefix;
	} good[] = {
		{ "198.18.0.2/24", IPV4_ADDR(198, 18, 0, 2), 24 },
		{ "198.18.0.254/24", IPV4_ADDR(198, 18, 0, 254), 24 },
		{ "10.0.0.1/8", IPV4_ADDR(10, 0, 0, 1), 8 },
		{ "192.168.1.1/32", IPV4_ADDR(192, 168, 1, 1), 32 },
		{ "10.0.0.0/31", IPV4_ADDR(10, 0, 0, 0), 31 },
		{ "10.0.0.1/31", IPV4_ADDR(10, 0, 0, 1), 31 },
		{ "1.2.3.4/1", IPV4_ADDR(1, 2, 3, 4), 1 },
		{ "223.255.255.254/30", IPV4_ADDR(223, 255, 255, 254), 30 },
	};
	static const char *const bad[] = {
		"198.18.0.2",
		"198.18.0.2/",
		"198.18.0.2/0",
		"198.18.0.2/33",
		"198.18.0.2/24x",
		"198.18.0.2/-24",
		"198.18.0.2/+24",
		"198.18.0.2/ 24",
		" 198.18.0.2/24",
		"198.18.0.2 /24",
		"198.18.0/24",
		"198.18.0.2.1/24",
		"198.18.0.256/24",
		"198.018.0.2/24",
		"/24",
		"",
		"198.18.0.0/24",
		"198.18.0.255/24",
		"10.0.0.0/30",
		"10.0.0.3/30",
		"0.0.0.0/8",
		"0.1.2.3/8",
		"127.0.0.1/8",
		"224.0.0.1/24",
		"239.1.1.1/32",
		"240.0.0.1/24",
		"255.255.255.255/32",
		"198.18.0.2/24/24",
	};
	struct config c, before;
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(good); i++) {
		config_defaults(&c);
		assert_int_equal(config_set_ip(&c, good[i].s), 0);
		assert_int_equal(c.ip_addr, good[i].addr);
		assert_int_equal(c.ip_prefix, good[i].prefix);
	}
	for (i = 0; i < RTE_DIM(bad); i++) {
		config_defaults(&c);
		before = c;
		if (config_set_ip(&c, bad[i]) != -EINVAL)
			fail_msg("config_set_ip accepted '%s'", bad[i]);
		assert_memory_equal(&c, &before, sizeof(c));
	}
	assert_int_equal(config_set_ip(&c, NULL), -EINVAL);
}

/* --ip cannot move the address away from a configured gateway. */
static void
test_set_ip_gateway(void **state)
{
	struct config c, before;

	(void)state;
	config_defaults(&c);
	c.ip_gateway = IPV4_ADDR(198, 18, 0, 1);
	assert_int_equal(config_set_ip(&c, "198.18.0.9/24"), 0);
	assert_int_equal(c.ip_addr, IPV4_ADDR(198, 18, 0, 9));
	before = c;
	assert_int_equal(config_set_ip(&c, "10.0.0.2/8"), -ERANGE);
	assert_int_equal(config_set_ip(&c, "198.18.0.1/24"), -ERANGE);
	assert_int_equal(config_set_ip(&c, "198.18.0.9/31"), -ERANGE);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void
test_parse_ipv4(void **state)
{
	static const char *const bad[] = {
		"1.2.3", "1.2.3.4.5", "01.2.3.4", " 1.2.3.4", "1.2.3.4 ",  "a.b.c.d",
		"",      "1.2.3.256", "1.2.3.-1", "1..3.4",   "0x1.2.3.4", "1.2.3.4/32",
	};
	uint32_t addr = 7;
	unsigned int i;

	(void)state;
	assert_int_equal(config_parse_ipv4("198.18.0.2", &addr), 0);
	assert_int_equal(addr, IPV4_ADDR(198, 18, 0, 2));
	assert_int_equal(config_parse_ipv4("0.0.0.0", &addr), 0);
	assert_int_equal(addr, 0);
	assert_int_equal(config_parse_ipv4("255.255.255.255", &addr), 0);
	assert_int_equal(addr, UINT32_MAX);
	for (i = 0; i < RTE_DIM(bad); i++) {
		addr = 7;
		if (config_parse_ipv4(bad[i], &addr) != -EINVAL)
			fail_msg("config_parse_ipv4 accepted '%s'", bad[i]);
		assert_int_equal(addr, 7);
	}
	assert_int_equal(config_parse_ipv4(NULL, &addr), -EINVAL);
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_defaults_equal_tap_ini),
		cmocka_unit_test(test_tap_ini_sets_every_key),
		cmocka_unit_test(test_nic_ini),
		cmocka_unit_test(test_pair_ini),
		cmocka_unit_test(test_pair_10g_ini),
		cmocka_unit_test(test_idle_ini),
		cmocka_unit_test(test_good_values),
		cmocka_unit_test(test_rss_key),
		cmocka_unit_test(test_local_ports),
		cmocka_unit_test(test_several_problems),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_syncookies_words),
		cmocka_unit_test(test_congestion_control_words),
		cmocka_unit_test(test_pool_handler_words),
		cmocka_unit_test(test_load_over),
		cmocka_unit_test(test_port_id_range),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_null_err),
		cmocka_unit_test(test_set_ip),
		cmocka_unit_test(test_set_ip_gateway),
		cmocka_unit_test(test_parse_ipv4),
	};
	struct CMUnitTest tests[RTE_DIM(fixed) + RTE_DIM(bad_cases)];
	unsigned int i;

	memcpy(tests, fixed, sizeof(fixed));
	for (i = 0; i < RTE_DIM(bad_cases); i++)
		tests[RTE_DIM(fixed) + i] =
		        (struct CMUnitTest){ .name = bad_cases[i].name,
			                     .test_func = test_bad_case,
			                     .initial_state = (void *)&bad_cases[i] };
	return cmocka_run_group_tests(tests, NULL, NULL);
}

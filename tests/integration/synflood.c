/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-synflood: a bounded, spoofed SYN flood for test_syn_flood.sh. Sends
 * TCP SYNs with random source addresses (from a /24 inside 198.18.0.0/15,
 * some addresses excluded), random source ports and ISNs, to one address
 * and port behind one MAC, through a raw AF_PACKET socket on one interface,
 * RATE a second (0: as fast as the interface takes them; auto: the most it
 * carries, below), until COUNT frames or SECONDS have gone.
 *
 * auto: a virtual interface (a tap) drops what its reader has not taken
 * when its queue is full, every sender's frames alike; past that rate the
 * link is flooded, not the stack behind it. Every 100 ms the rate grows by
 * a tenth while the interface's tx_dropped stays put, and falls by 30% when
 * it moves (additive increase would be too slow to find it in a few
 * seconds), starting from 5000 a second. Refuses any address outside 198.18.0.0/15 (RFC 2544's benchmarking
 * range): it is a test tool for namespaces, nothing else.
 *
 *   tern-synflood IFACE DST_MAC DST_IP DST_PORT SRC_NET/24 EXCLUDE,... COUNT SECONDS RATE
 *
 * Prints "sent N SYNs in S s: R SYN/s" and exits 0, or one error line and 2.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH       64
#define PACED_BATCH 8
#define RATE_AUTO   (-1.0)
#define AUTO_START  5000.0
#define AUTO_STEP_S 0.1
#define SYN_LEN     (14 + 20 + 24) /* Ethernet, IPv4, TCP with an MSS option */
#define EXCLUDE_MAX 16
#define BENCH_NET   0xc6120000u /* 198.18.0.0/15 */
#define BENCH_MASK  0xfffe0000u

struct flood {
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	uint32_t dst_ip; /* host order */
	uint16_t dst_port;
	uint32_t src_net; /* host order, a /24 */
	uint8_t exclude[EXCLUDE_MAX];
	unsigned nb_exclude;
	uint64_t rng;
};

static uint64_t
rng_next(struct flood *f)
{
	/* xorshift64*: fast, and random enough for addresses and ISNs. */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 2685821657736338717ull;
}

static uint16_t
cksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t
cksum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

static uint8_t
random_host(struct flood *f)
{
	for (;;) {
		uint8_t h = (uint8_t)rng_next(f);
		bool excluded = h == 0 || h == 255;
		for (unsigned i = 0; i < f->nb_exclude && !excluded; i++)
			excluded = f->exclude[i] == h;
		if (!excluded)
			return h;
	}
}

static void
syn_build(struct flood *f, uint8_t *p)
{
	struct iphdr *ip = (struct iphdr *)(p + 14);
	struct tcphdr *th = (struct tcphdr *)(ip + 1);
	uint8_t *opt = (uint8_t *)(th + 1);
	uint32_t src = f->src_net | random_host(f);
	uint64_t r = rng_next(f);

	memcpy(p, f->dst_mac, 6);
	memcpy(p + 6, f->src_mac, 6);
	p[12] = 0x08;
	p[13] = 0x00;
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(20 + 24);
	ip->id = htons((uint16_t)r);
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->saddr = htonl(src);
	ip->daddr = htonl(f->dst_ip);
	ip->check = htons(cksum_fold(cksum_add(0, ip, 20)));
	memset(th, 0, sizeof(*th));
	th->source = htons((uint16_t)(1024 + (r >> 16) % 64512));
	th->dest = htons(f->dst_port);
	th->seq = htonl((uint32_t)(r >> 32));
	th->doff = 6;
	th->syn = 1;
	th->window = htons(64240);
	opt[0] = 2; /* MSS 1460 */
	opt[1] = 4;
	opt[2] = 1460 >> 8;
	opt[3] = 1460 & 0xff;
	uint8_t pseudo[12];
	memcpy(pseudo, &ip->saddr, 4);
	memcpy(pseudo + 4, &ip->daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = 0;
	pseudo[11] = 24;
	th->check = htons(cksum_fold(cksum_add(cksum_add(0, pseudo, 12), th, 24)));
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static bool
in_bench_range(uint32_t a)
{
	return (a & BENCH_MASK) == BENCH_NET;
}

/* The interface's tx_dropped counter, or -1. */
static long long
tx_dropped(const char *iface)
{
	char path[128];
	long long v = -1;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/tx_dropped", iface);
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	if (fscanf(fp, "%lld", &v) != 1)
		v = -1;
	fclose(fp);
	return v;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
usage(const char *why)
{
	fprintf(stderr,
	        "tern-synflood: %s\nusage: tern-synflood IFACE DST_MAC DST_IP DST_PORT "
	        "SRC_NET/24 EXCLUDE[,EXCLUDE...] COUNT SECONDS RATE|auto\n",
	        why);
	return 2;
}

static int
parse_args(struct flood *f, char **argv, unsigned long *count, double *seconds, double *rate)
{
	struct in_addr a;
	char net[32], *slash, *tok, *save = NULL;

	if (parse_mac(argv[2], f->dst_mac) != 0)
		return usage("bad DST_MAC");
	if (inet_pton(AF_INET, argv[3], &a) != 1 || !in_bench_range(ntohl(a.s_addr)))
		return usage("DST_IP must be an address in 198.18.0.0/15");
	f->dst_ip = ntohl(a.s_addr);
	f->dst_port = (uint16_t)atoi(argv[4]);
	snprintf(net, sizeof(net), "%s", argv[5]);
	slash = strchr(net, '/');
	if (slash == NULL || strcmp(slash, "/24") != 0)
		return usage("SRC_NET must be a /24");
	*slash = '\0';
	if (inet_pton(AF_INET, net, &a) != 1 || !in_bench_range(ntohl(a.s_addr)))
		return usage("SRC_NET must be inside 198.18.0.0/15");
	f->src_net = ntohl(a.s_addr) & 0xffffff00u;
	for (tok = strtok_r(argv[6], ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (f->nb_exclude == EXCLUDE_MAX)
			return usage("too many EXCLUDE hosts");
		f->exclude[f->nb_exclude++] = (uint8_t)atoi(tok);
	}
	*count = strtoul(argv[7], NULL, 10);
	*seconds = atof(argv[8]);
	*rate = strcmp(argv[9], "auto") == 0 ? RATE_AUTO : atof(argv[9]);
	if (*count == 0 || *count > 100000000ul || !(*seconds > 0 && *seconds <= 60) ||
	    !(*rate >= 0 || *rate == RATE_AUTO))
		return usage("COUNT must be 1..100000000, SECONDS 0..60 and RATE >= 0 or auto");
	return 0;
}

int
main(int argc, char **argv)
{
	struct flood f = { 0 };
	unsigned long count, sent = 0;
	double seconds, rate;

	if (argc != 10)
		return usage("wrong number of arguments");
	if (parse_args(&f, argv, &count, &seconds, &rate) != 0)
		return 2;
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		fprintf(stderr, "tern-synflood: socket: %s\n", strerror(errno));
		return 2;
	}
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) != 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
		fprintf(stderr, "tern-synflood: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	memcpy(f.src_mac, ifr.ifr_hwaddr.sa_data, 6);
	ioctl(fd, SIOCGIFINDEX, &ifr);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
		                   .sll_ifindex = ifr.ifr_ifindex,
		                   .sll_halen = 6 };
	memcpy(sll.sll_addr, f.dst_mac, 6);
	f.rng = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull ^ (uint64_t)(now_s() * 1e9);

	static uint8_t frames[BATCH][SYN_LEN];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	double start = now_s(), end = start, due = start;
	bool adaptive = rate == RATE_AUTO;
	double step_at = start + AUTO_STEP_S, peak = 0;
	long long drops0 = adaptive ? tx_dropped(argv[1]) : 0, drops = drops0;
	if (adaptive && drops0 < 0) {
		fprintf(stderr, "tern-synflood: %s: no tx_dropped counter\n", argv[1]);
		return 2;
	}
	if (adaptive)
		rate = AUTO_START;
	while (sent < count && (end = now_s()) - start < seconds) {
		unsigned n = count - sent < BATCH ? (unsigned)(count - sent) : BATCH;
		if (adaptive && end >= step_at) {
			long long d = tx_dropped(argv[1]);
			rate = d > drops ? rate * 0.7 : rate * 1.1;
			rate = rate < 1000 ? 1000 : rate > 5e6 ? 5e6 : rate;
			peak = rate > peak ? rate : peak;
			drops = d;
			step_at = end + AUTO_STEP_S;
		}
		/* Paced: no frame before its time. */
		if (rate > 0) {
			if (end < due) {
				usleep((useconds_t)((due - end) * 1e6));
				continue;
			}
			if (due < end - AUTO_STEP_S)
				due = end - AUTO_STEP_S; /* behind: no burst to catch up */
			n = n < PACED_BATCH ? n : PACED_BATCH;
		}
		for (unsigned i = 0; i < n; i++) {
			syn_build(&f, frames[i]);
			iov[i] = (struct iovec){ .iov_base = frames[i], .iov_len = SYN_LEN };
			msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &sll,
				                                 .msg_namelen = sizeof(sll),
				                                 .msg_iov = &iov[i],
				                                 .msg_iovlen = 1 } };
		}
		int r = sendmmsg(fd, msgs, n, 0);
		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
				continue;
			fprintf(stderr, "tern-synflood: sendmmsg: %s\n", strerror(errno));
			return 2;
		}
		sent += (unsigned long)r;
		if (rate > 0)
			due += r / rate;
	}
	end = now_s();
	printf("sent %lu SYNs in %.2f s: %.0f SYN/s\n", sent, end - start,
	       (double)sent / (end - start));
	if (adaptive)
		printf("adaptive: peak %.0f SYN/s, last %.0f SYN/s, %lld dropped by %s\n", peak,
		       rate, tx_dropped(argv[1]) - drops0, argv[1]);
	close(fd);
	return 0;
}

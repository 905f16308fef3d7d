/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-echo: Tern on one port, answering ARP and ICMP echo (ping). The TCP
 * services of DESIGN.md (7 echo, 13 daytime, 19 chargen) arrive with TCP.
 *
 *   tern-echo [EAL args] -- [--config FILE] [--ip ADDR/LEN]
 */
#include <tern.h>

int
main(int argc, char **argv)
{
	static const struct tern_app app = {
		.name = "tern-echo",
		.summary = "Tern answering ARP and ping",
	};
	struct tern *t;
	int ret = tern_init(argc, argv, &app, &t);

	if (t == NULL)
		return ret;
	tern_run(t);
	return tern_fini(t);
}

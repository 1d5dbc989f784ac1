// SPDX-License-Identifier: GPL-2.0
/* revokestorm: the binary's entry point; the commands live in src/cli.c. */
#include "rs_cli.h"

int main(int argc, char **argv)
{
	return rs_cli_main(argc, argv);
}

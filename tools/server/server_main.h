/* mlavk serve, a subcommand of the mlavk CLI. */
#ifndef MLAVK_SERVER_MAIN_H
#define MLAVK_SERVER_MAIN_H

int cli_serve(int argc, char **argv);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Fuzz targets for every parser of bytes that come from the container.
 * Each fuzz_NAME.c defines LLVMFuzzerTestOneInput; `make fuzz` links it
 * with libFuzzer (clang), and `make check` links it with replay.c, whose
 * main() feeds it every file of tests/fuzz/corpus/NAME under ASan and
 * UBSan (gcc).
 */
#ifndef PAKS_FUZZ_H
#define PAKS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif

/* Setup that must succeed in a C API test: on failure, one FAIL line that
 * CAPITests.swift reports, naming the call and the library's message, and
 * exit, since nothing after it could be trusted. */
#ifndef WW_TEST_MUST_H
#define WW_TEST_MUST_H

#include "writewatch.h"

#include <stdio.h>
#include <stdlib.h>

#define MUST(call)                                                                                    \
    do {                                                                                              \
        ww_status s_ = (call);                                                                        \
        if (s_ != WW_OK) {                                                                            \
            printf("FAIL setup: %s returned %s [%s]\n", #call, ww_status_name(s_), ww_last_error()); \
            exit(1);                                                                                  \
        }                                                                                             \
    } while (0)

#endif

/* Compiles the public header as C in every build, so its layout assertions
 * run whether or not an embedder's program does. The functions it declares
 * are implemented in Swift (Sources/WriteWatchC). */
#include "writewatch.h"

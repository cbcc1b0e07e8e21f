/* PROMLET_EXPORT: marks the public API of libpromlet. Everything else in the library is built
 * with hidden visibility, so only what carries this macro is part of the ABI. */
#ifndef PROMLET_EXPORT_H_
#define PROMLET_EXPORT_H_

#if defined(_WIN32)
#define PROMLET_EXPORT
#else
#define PROMLET_EXPORT __attribute__((visibility("default")))
#endif

#endif /* PROMLET_EXPORT_H_ */

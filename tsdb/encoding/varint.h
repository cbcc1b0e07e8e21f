// The varint and fixed-width helpers live in common/varint.h (push's protobuf reader uses them
// too); tsdb code names them unqualified through these declarations.
#ifndef PROMLET_TSDB_ENCODING_VARINT_H_
#define PROMLET_TSDB_ENCODING_VARINT_H_

#include "common/varint.h"

namespace promlet::tsdb {

using common::Decoder;
using common::GetFixed32;
using common::GetFixed64;
using common::PutFixed32;
using common::PutFixed64;
using common::PutString;
using common::PutUvarint;
using common::PutVarint;
using common::UnZigZag;
using common::UvarintLen;
using common::WrapAdd;
using common::WrapSub;
using common::ZigZag;

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_ENCODING_VARINT_H_

// Go's unicode.IsLetter / unicode.IsDigit / unicode.IsUpper, approximated by the scripts that
// appear in label values and template identifiers (exact for ASCII and Latin-1; the common
// alphabetic blocks beyond). The template lexer, `title` and regexp template expansion ($name)
// use them.
#ifndef PROMLET_COMMON_UNICODE_CLASS_H_
#define PROMLET_COMMON_UNICODE_CLASS_H_

#include <cstdint>

namespace promlet::common {

inline bool IsGoDigit(uint32_t r) {
  if (r < 0x80) return r >= '0' && r <= '9';
  return (r >= 0x660 && r <= 0x669) || (r >= 0x6F0 && r <= 0x6F9) || (r >= 0x966 && r <= 0x96F) ||
         (r >= 0xFF10 && r <= 0xFF19);
}

inline bool IsGoLetter(uint32_t r) {
  if (r < 0x80) return (r | 0x20) >= 'a' && (r | 0x20) <= 'z';
  if (r < 0x100) return r == 0xAA || r == 0xB5 || r == 0xBA || (r >= 0xC0 && r != 0xD7 && r != 0xF7);
  if (r <= 0x2AF) return true;                  // Latin Extended, IPA
  if (r >= 0x370 && r <= 0x3FF) return r != 0x375 && r != 0x37E && r != 0x384 && r != 0x385 &&
                                       r != 0x387;  // Greek
  if (r >= 0x400 && r <= 0x52F) return !(r >= 0x482 && r <= 0x489);  // Cyrillic
  if (r >= 0x531 && r <= 0x587) return true;    // Armenian
  if (r >= 0x5D0 && r <= 0x5EA) return true;    // Hebrew
  if (r >= 0x620 && r <= 0x64A) return true;    // Arabic
  if (r >= 0x904 && r <= 0x939) return true;    // Devanagari
  if (r >= 0xE01 && r <= 0xE30) return true;    // Thai
  if (r >= 0x10A0 && r <= 0x10FF) return true;  // Georgian
  if (r >= 0x1E00 && r <= 0x1FFF) return true;  // Latin/Greek Extended
  if (r >= 0x3041 && r <= 0x30FF) return r != 0x30A0 && r != 0x30FB;  // Kana
  if (r >= 0x3400 && r <= 0x4DBF) return true;  // CJK Ext A
  if (r >= 0x4E00 && r <= 0x9FFF) return true;  // CJK
  if (r >= 0xAC00 && r <= 0xD7A3) return true;  // Hangul
  if (r >= 0xFF21 && r <= 0xFF3A) return true;
  if (r >= 0xFF41 && r <= 0xFF5A) return true;
  return false;
}

}  // namespace promlet::common

#endif  // PROMLET_COMMON_UNICODE_CLASS_H_

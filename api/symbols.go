package api

import "github.com/dtaod/dtaod"

// The chain's default token symbol of each netuid (subtensor's SYMBOLS table in
// pallets/subtensor: Τ for root, then the Greek lowercase letters, then Hebrew, Arabic, Runic,
// Ogham, Georgian, Armenian, Cyrillic, Coptic, Brahmi, Sinhala, Glagolitic, Thai, Hangul,
// Ethiopic, Devanagari, Katakana and Tifinagh letters, 439 in all; netuid 19 is a plain "t").
// A netuid past the table gets the default symbol, Τ. The table is written as runs of
// consecutive code points, every symbol being one.
var symbolRuns = [][2]rune{
	{0x03A4, 0x03A4},                                                       // 0 Τ
	{0x03B1, 0x03C1},                                                       // 1-17 α..ρ
	{0x03C3, 0x03C3},                                                       // 18 σ
	{'t', 't'},                                                             // 19
	{0x03C5, 0x03C9},                                                       // 20-24 υ..ω
	{0x05D0, 0x05EA},                                                       // 25-51 Hebrew
	{0x0627, 0x0628},                                                       // 52-53 Arabic
	{0x062A, 0x063A},                                                       // 54-70
	{0x0641, 0x0648},                                                       // 71-78
	{0x064A, 0x064A},                                                       // 79
	{0x0649, 0x0649},                                                       // 80
	{0x16A0, 0x16A0},                                                       // 81 Runic
	{0x16A2, 0x16A2},                                                       // 82
	{0x16A6, 0x16A6},                                                       // 83
	{0x16A8, 0x16A8},                                                       // 84
	{0x16B1, 0x16B1},                                                       // 85
	{0x16B3, 0x16B3},                                                       // 86
	{0x042B, 0x042B},                                                       // 87 Ы
	{0x16C9, 0x16C9},                                                       // 88
	{0x16D2, 0x16D2},                                                       // 89
	{0x1680, 0x1685},                                                       // 90-95 Ogham
	{0x169B, 0x169B},                                                       // 96
	{0x10D0, 0x10D5},                                                       // 97-102 Georgian
	{0x0531, 0x0536},                                                       // 103-108 Armenian
	{0x055E, 0x055E},                                                       // 109
	{0x0400, 0x0405},                                                       // 110-115 Cyrillic
	{0x044A, 0x044A},                                                       // 116
	{0x2C80, 0x2C85},                                                       // 117-122 Coptic
	{0x11000, 0x11003},                                                     // 123-126 Brahmi
	{0x11005, 0x11005},                                                     // 127
	{0x0DB1, 0x0DB1},                                                       // 128 Sinhala
	{0x0DB3, 0x0DB7},                                                       // 129-133
	{0x2C00, 0x2C20},                                                       // 134-166 Glagolitic
	{0x0E01, 0x0E23},                                                       // 167-201 Thai
	{0x0E25, 0x0E25},                                                       // 202
	{0x0E27, 0x0E2E},                                                       // 203-210
	{0x3131, 0x3131},                                                       // 211 Hangul
	{0x3134, 0x3134},                                                       // 212
	{0x3137, 0x3137},                                                       // 213
	{0x3139, 0x3139},                                                       // 214
	{0x3141, 0x3142},                                                       // 215-216
	{0x3145, 0x3145},                                                       // 217
	{0x3147, 0x3148},                                                       // 218-219
	{0x314A, 0x3163},                                                       // 220-245
	{0x12A0, 0x12A7},                                                       // 246-253 Ethiopic
	{0x12C8, 0x12CE},                                                       // 254-260
	{0x12B0, 0x12B6},                                                       // 261-267
	{0x1310, 0x1312},                                                       // 268-270
	{0x1218, 0x1218},                                                       // 271
	{0x1314, 0x1316},                                                       // 272-274
	{0x0905, 0x090B},                                                       // 275-281 Devanagari
	{0x090F, 0x0910},                                                       // 282-283
	{0x0913, 0x0928},                                                       // 284-305
	{0x092A, 0x0930},                                                       // 306-312
	{0x0932, 0x0932},                                                       // 313
	{0x0935, 0x0939},                                                       // 314-318
	{0x30A2, 0x30A2}, {0x30A4, 0x30A4}, {0x30A6, 0x30A6}, {0x30A8, 0x30A8}, // 319-322 Katakana
	{0x30AA, 0x30AB}, {0x30AD, 0x30AD}, {0x30AF, 0x30AF}, {0x30B1, 0x30B1}, // 323-327
	{0x30B3, 0x30B3}, {0x30B5, 0x30B5}, {0x30B7, 0x30B7}, {0x30B9, 0x30B9}, // 328-331
	{0x30BB, 0x30BB}, {0x30BD, 0x30BD}, {0x30BF, 0x30BF}, {0x30C1, 0x30C1}, // 332-335
	{0x30C4, 0x30C4}, {0x30C6, 0x30C6}, {0x30C8, 0x30C8}, {0x30CA, 0x30CF}, // 336-344
	{0x30D2, 0x30D2}, {0x30D5, 0x30D5}, {0x30D8, 0x30D8}, {0x30DB, 0x30DB}, // 345-348
	{0x30DE, 0x30E2}, {0x30E4, 0x30E4}, {0x30E6, 0x30E6}, {0x30E8, 0x30ED}, // 349-361
	{0x30EF, 0x30EF}, {0x30F2, 0x30F3}, // 362-364
	{0x2D30, 0x2D53}, // 365-400 Tifinagh
	{0x0D85, 0x0D86}, // 401-402 Sinhala
	{0x0D89, 0x0D96}, // 403-416
	{0x0D9A, 0x0D9E}, // 417-421
	{0x0DA0, 0x0DA4}, // 422-426
	{0x0DA7, 0x0DA7}, // 427
	{0x0DA5, 0x0DA6}, // 428-429
	{0x0DA9, 0x0DA9}, // 430
	{0x0DA8, 0x0DA8}, // 431
	{0x0DAA, 0x0DB0}, // 432-438
}

// defaultSymbol is the chain's symbol for a netuid past the table (and root's).
const defaultSymbol = "Τ"

var symbols = func() []string {
	var out []string
	for _, r := range symbolRuns {
		for c := r[0]; c <= r[1]; c++ {
			out = append(out, string(c))
		}
	}
	return out
}()

// symbolOf is the chain's default token symbol of a netuid.
func symbolOf(n dtaod.NetUID) string {
	if int(n) < len(symbols) {
		return symbols[n]
	}
	return defaultSymbol
}

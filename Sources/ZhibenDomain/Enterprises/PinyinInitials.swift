import Foundation

/// The initials people type to find an enterprise by name: 吕梁钢铁 → `llgt`. Each Chinese character
/// gives the first letter of its first (most common) Mandarin reading, from the shipped table
/// `Resources/pinyin-initials.txt` (U+4E00–U+9FFF); ASCII letters and digits stay as they are
/// (lowercased); everything else (brackets, punctuation) is left out.
public enum PinyinInitials {
    static let first: UInt32 = 0x4E00

    /// One byte per character from U+4E00: a lowercase letter, or `-` where no reading is known.
    static let table: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "pinyin-initials", withExtension: "txt", subdirectory: "Resources")
                ?? Bundle.module.url(forResource: "pinyin-initials", withExtension: "txt"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(21_000)
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.firstIndex(of: " ") else { continue }
            out.append(contentsOf: line[line.index(after: space)...].utf8)
        }
        return out
    }()

    public static func of(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x80 {
                if let c = Character(scalar).asciiValue, (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) {
                    out.append(Character(scalar).lowercased())
                }
            } else if v >= first, Int(v - first) < table.count {
                let b = table[Int(v - first)]
                if b != UInt8(ascii: "-") { out.append(Character(UnicodeScalar(b))) }
            }
        }
        return out
    }

    /// Whether typed text is meant as initials (letters only, at least two) rather than a name or code.
    public static func looksLikeInitials(_ text: String) -> Bool {
        text.count >= 2 && text.unicodeScalars.allSatisfy { ($0.value >= 0x41 && $0.value <= 0x5A) || ($0.value >= 0x61 && $0.value <= 0x7A) }
    }
}

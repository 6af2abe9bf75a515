import Testing
import ZhibenDomain

@Suite("Pinyin initials")
struct PinyinInitialsTests {
    @Test("each character gives its reading's first letter; ASCII letters and digits stay, the rest is left out")
    func initials() {
        #expect(PinyinInitials.of("吕梁钢铁") == "llgt")
        #expect(PinyinInitials.of("山西孝义鹏飞（集团）有限公司") == "sxxypfjtyxgs")
        #expect(PinyinInitials.of("交城县ABC-2号铝业") == "jcxabc2hly")
        #expect(PinyinInitials.of("") == "")
        #expect(PinyinInitials.of("Ω·—") == "")
    }

    @Test("only letters, two or more, are taken for initials")
    func looksLikeInitials() {
        #expect(PinyinInitials.looksLikeInitials("llgt") && PinyinInitials.looksLikeInitials("GT"))
        #expect(!PinyinInitials.looksLikeInitials("g") && !PinyinInitials.looksLikeInitials("9114") && !PinyinInitials.looksLikeInitials("钢铁"))
    }
}

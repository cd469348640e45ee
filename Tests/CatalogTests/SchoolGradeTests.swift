import Catalog
import Testing

@Suite("School grade from a class name")
struct SchoolGradeTests {
    @Test("Chinese forms: N年级, 七(3)班, 初二, 高一, 十二年级", arguments: [
        ("七年级3班", 7), ("七(3)班", 7), ("七（3）班", 7), ("八3班", 8), ("初二(3)班", 8), ("初1", 7), ("初三", 9),
        ("高一3班", 10), ("高1", 10), ("高三(12)班", 12), ("3年级", 3), ("三年级二班", 3), ("一年级", 1),
        ("十二年级", 12), ("小学五年级1班", 5), (" 九年级 ", 9),
    ])
    func chinese(_ name: String, _ grade: Int) {
        #expect(SchoolGrade.parse(name) == grade, "\(name)")
    }

    @Test("English forms: Grade 7B, Gr. 7, G7, Year 9, 7B, 7-2, 10A", arguments: [
        ("Grade 7B", 7), ("grade 10", 10), ("Gr. 7", 7), ("G7", 7), ("Year 9", 9), ("Yr 11", 11), ("7B", 7),
        ("7-2", 7), ("10A", 10), ("7/3", 7), ("9.1", 9), ("12", 12), ("8 (2)", 8), ("3班", 3),
    ])
    func english(_ name: String, _ grade: Int) {
        #expect(SchoolGrade.parse(name) == grade, "\(name)")
    }

    @Test("no grade stated: nil, never a guess", arguments: [
        "", "Chemistry club", "2023级", "高2023级3班", "初中部", "高中", "Room 101", "13B", "Grade 13", "0A", "2023",
        String(repeating: "七年级", count: 100), "选修", "big 5",
    ])
    func none(_ name: String) {
        #expect(SchoolGrade.parse(name) == nil, "\(name)")
    }

    @Test("labels: 七年级 / 高一 in Chinese, Grade N in English, ? for none")
    func labels() {
        #expect(SchoolGrade.label(7, chinese: true) == "七年级" && SchoolGrade.label(10, chinese: true) == "高一")
        #expect(SchoolGrade.label(12, chinese: true) == "高三" && SchoolGrade.label(1, chinese: true) == "一年级")
        #expect(SchoolGrade.label(7, chinese: false) == "Grade 7" && SchoolGrade.label(nil, chinese: true) == "?")
    }
}

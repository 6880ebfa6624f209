import Domain
import Testing

/// The open-data figures: Umm al-Qura months and the fold of daily counts into them.
@Suite("Statistics by Hijri month")
struct StatisticsTests {
    @Test("Riyadh days fall in their Umm al-Qura month (1 Muharram 1440 was 2018-09-11)")
    func months() {
        #expect(HijriMonth(Day(year: 2018, month: 9, day: 11)) == HijriMonth(year: 1440, month: 1))
        #expect(HijriMonth(Day(year: 2018, month: 9, day: 10)) == HijriMonth(year: 1439, month: 12))
        #expect(HijriMonth(Day(year: 2026, month: 2, day: 17)) < HijriMonth(Day(year: 2026, month: 2, day: 19)))
        let muharram = HijriMonth(year: 1440, month: 1)
        #expect(muharram.description == "1440-01")
        #expect(muharram.nameEn == "Muharram 1440")
        #expect(muharram.nameAr == "محرم 1440هـ")
        #expect(HijriMonth(year: 1447, month: 12).description == "1447-12")
        // Every month of five years: its first day is in it, the day before is not, and the
        // months follow one another with no day between or in both.
        var month = HijriMonth(year: 1440, month: 1)
        for _ in 0..<60 {
            #expect(HijriMonth(month.firstDay) == month && HijriMonth(month.lastDay) == month, "\(month)")
            #expect(HijriMonth(month.firstDay.adding(days: -1)) < month, "\(month)")
            let length = month.lastDay.number - month.firstDay.number + 1
            #expect((29...30).contains(length), "\(month): \(length) days")
            let next = HijriMonth(month.lastDay.adding(days: 1))
            #expect(next > month && next.firstDay == month.lastDay.adding(days: 1), "\(month)")
            month = next
        }
    }

    @Test("daily counts fold into months by service and state; unknown states are not decisions")
    func fold() throws {
        let last = Day(year: 2018, month: 9, day: 10), first = Day(year: 2018, month: 9, day: 11)
        let statistics = MonthlyStatistics([
            (day: last, service: "work-permit.renew", state: "completed", count: 5),
            (day: last.adding(days: -3), service: "work-permit.renew", state: "rejected", count: 2),
            (day: first, service: "work-permit.renew", state: "completed", count: 7),
            (day: first.adding(days: 2), service: "final-exit.issue", state: "failed", count: 1),
            (day: first, service: "final-exit.issue", state: "cancelled", count: 4),
            (day: first, service: "final-exit.issue", state: "queued", count: 99),
        ])
        #expect(statistics.months.map(\.month) == [HijriMonth(year: 1439, month: 12), HijriMonth(year: 1440, month: 1)])
        let dhulHijjah = statistics.months[0], muharram = statistics.months[1]
        // A month's bounds are its own (as docs/openapi.yaml says), not its first and last days with a decision.
        #expect(dhulHijjah.firstDay == Day(year: 2018, month: 8, day: 12) && dhulHijjah.lastDay == last)
        #expect(dhulHijjah.services.map(\.code) == ["work-permit.renew"])
        #expect(dhulHijjah.total == .init(completed: 5, rejected: 2))
        #expect(muharram.services.map(\.code) == ["final-exit.issue", "work-permit.renew"])
        #expect(muharram.services[0].counts == .init(failed: 1, cancelled: 4))
        #expect(muharram.firstDay == first && muharram.lastDay == Day(year: 2018, month: 10, day: 9))
        #expect(statistics.total.map(\.code) == ["final-exit.issue", "work-permit.renew"])
        #expect(statistics.total[1].counts == .init(completed: 12, rejected: 2))
        #expect(MonthlyStatistics([]).months.isEmpty)
    }

    @Test("CSV: a header, a line per month and service, fields quoted only when they must be")
    func csv() {
        let statistics = MonthlyStatistics([(day: Day(year: 2018, month: 9, day: 11), service: "work-permit.renew", state: "completed", count: 3)])
        #expect(statistics.csv.count == 2)
        #expect(statistics.csv[0].hasPrefix("hijri_month,name_en,name_ar,first_day,last_day,service,"))
        #expect(statistics.csv[1].hasPrefix("1440-01,Muharram 1440,محرم 1440هـ,2018-09-11,2018-10-09,work-permit.renew,"))
        #expect(statistics.csv[1].hasSuffix(",3,0,0,0,3"))
        #expect(MonthlyStatistics.csvField("plain") == "plain")
        #expect(MonthlyStatistics.csvField("a, b") == "\"a, b\"")
        #expect(MonthlyStatistics.csvField("say \"x\"") == "\"say \"\"x\"\"\"")
    }

    @Test("JSON: the calendar, the range, each month with its services and totals")
    func json() {
        let statistics = MonthlyStatistics([
            (day: Day(year: 2018, month: 9, day: 11), service: "work-permit.renew", state: "completed", count: 3),
            (day: Day(year: 2018, month: 9, day: 10), service: "work-permit.renew", state: "rejected", count: 1),
        ])
        let document = statistics.json(from: Day(year: 2018, month: 9, day: 1), to: nil)
        #expect(document["calendar"] == "islamic-umm-al-qura")
        #expect(document["from"] == "2018-09-01")
        #expect(document["to"] == .null)
        let months = document["months"]?.arrayValue ?? []
        #expect(months.map { $0["hijri_month"]?.stringValue } == ["1439-12", "1440-01"])
        #expect(months[1]["services"]?.arrayValue?.first?["name_ar"] == "تجديد رخصة عمل")
        #expect(document["total"]?["total"]?["total"] == 4)
    }
}

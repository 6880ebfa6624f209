/// The ministry's report as the seed publishes it (`shared/seed/`): its rows in its order,
/// grouped as its paragraphs group them, each row the completed requests of one of our
/// services; and the press release itself, written from any period's figures.
public enum PressRelease {
    public struct Row: Sendable {
        /// The service whose completed requests the row counts, or, for a sum, its key (`work-permit.*`).
        public let service: String
        /// The seed's own words for the row.
        public let labelAr: String
        public let labelEn: String
        /// The services the row adds up: its own, or those of a sum.
        public let services: [String]
        /// A row that adds up other rows' services (the seed's "work-permit transactions").
        public var isSum: Bool { services != [service] }

        init(service: String, labelAr: String, labelEn: String, adding services: [String]? = nil) {
            self.service = service
            self.labelAr = labelAr
            self.labelEn = labelEn
            self.services = services ?? [service]
        }
    }

    public struct Group: Sendable {
        public let titleAr: String
        public let titleEn: String
        public let rows: [Row]
    }

    /// The seed's rows in its order, grouped as its three paragraphs group them: work permits
    /// and the certificates of changes; the portal's accounts and compensatory recruitment;
    /// the other services. Its "work-permit transactions" is a sum (`Row.isSum`).
    public static let groups: [Group] = [
        Group(titleAr: "رخص العمل وشهادات التغيير", titleEn: "Work permits and certificates of change", rows: [
            Row(service: "work-permit.renew", labelAr: "رخص مجددة", labelEn: "Work permits renewed"),
            // The seed counts beneficiaries here; we count transactions.
            Row(service: "work-permit.*", labelAr: "معاملات الرخص", labelEn: "Work-permit transactions", adding: workPermitServices.sorted()),
            Row(service: "work-permit.issue", labelAr: "رخص مصدرة", labelEn: "Work permits issued"),
            Row(service: "work-permit.issue-temporary", labelAr: "رخص مؤقتة", labelEn: "Temporary work permits"),
            Row(service: "final-exit.issue", labelAr: "رخص الخروج النهائي", labelEn: "Final exits"),
            Row(service: "branch-change.request", labelAr: "تغيير فرع عامل", labelEn: "Worker branch changes"),
            Row(service: "establishment.change-activity", labelAr: "تغيير نشاط المنشأة", labelEn: "Establishment activity changes"),
            Row(service: "occupation-change.request", labelAr: "تغيير مهنة عامل", labelEn: "Worker occupation changes"),
            Row(service: "service-transfer.request", labelAr: "نقل خدمة", labelEn: "Service transfers"),
        ]),
        Group(titleAr: "البوابة الإلكترونية والاستقدام التعويضي", titleEn: "The portal and compensatory recruitment", rows: [
            Row(service: "account.register", labelAr: "مسجلون في البوابة", labelEn: "Portal registrations"),
            Row(service: "account.delegate-grant", labelAr: "مفوضون", labelEn: "Delegates registered"),
            Row(service: "account.agent-authorize", labelAr: "وكلاء", labelEn: "Agents registered"),
            Row(service: "establishment.update-owners", labelAr: "ملاك", labelEn: "Owners registered"),
            Row(service: "recruitment.compensatory-visa", labelAr: "استقدام تعويضي", labelEn: "Compensatory recruitment requests"),
        ]),
        Group(titleAr: "الشهادات والبلاغات والاستقدام", titleEn: "Certificates, absence reports and recruitment", rows: [
            Row(service: "saudization-certificate.issue", labelAr: "شهادة السعودة", labelEn: "Saudization certificates"),
            Row(service: "recruitment.visa-cancel", labelAr: "إلغاء تأشيرات", labelEn: "Visas cancelled"),
            Row(service: "absence-report.file", labelAr: "بلاغ تغيب عامل", labelEn: "Absence reports filed"),
            Row(service: "absence-report.cancel", labelAr: "إلغاء بلاغ تغيب", labelEn: "Absence reports cancelled"),
            Row(service: "dependent-transfer.request", labelAr: "نقل خدمة التابعين", labelEn: "Dependents' service transfers"),
            Row(service: "establishment.open", labelAr: "فتح ملف منشأة", labelEn: "Establishment files opened"),
            Row(service: "recruitment.balance-request", labelAr: "طلب رصيد", labelEn: "Recruitment balance requests"),
            Row(service: "recruitment.visa-issue", labelAr: "طلب صرف", labelEn: "Recruitment disbursement requests"),
        ]),
    ]

    /// The services the seed's rows name (not those a sum adds up).
    public static let reported: Set<String> = Set(groups.flatMap { $0.rows.filter { !$0.isSum }.map(\.service) })

    /// The services the seed's "work-permit transactions" adds up.
    public static let workPermitServices: Set<String> = [
        "work-permit.issue", "work-permit.renew", "work-permit.issue-temporary", "work-permit.extend-temporary",
    ]

    /// The figures of a period, as the report needs them.
    public struct Figures: Sendable {
        /// Completed requests by service.
        public let completed: [String: Int]
        /// Every completed request (each a beneficiary served, as the seed counts them).
        public var beneficiaries: Int { completed.values.reduce(0, +) }
        public var workPermitTransactions: Int { Self.sum(completed, PressRelease.workPermitServices) }
        /// A row's completed requests (a sum's: its services' together).
        public subscript(row row: Row) -> Int { Self.sum(completed, Set(row.services)) }

        public init(_ statistics: MonthlyStatistics) {
            var completed: [String: Int] = [:]
            for (code, counts) in statistics.total { completed[code] = counts.completed }
            self.completed = completed
        }

        public subscript(service: String) -> Int { completed[service] ?? 0 }

        private static func sum(_ counts: [String: Int], _ services: Set<String>) -> Int {
            services.reduce(0) { $0 + (counts[$1] ?? 0) }
        }
    }

    /// The press release's paragraph in Arabic, the seed's sentences with the period's
    /// figures; `number` writes a count (in the digits the reader chose).
    public static func arabic(_ figures: Figures, period: String, number: (Int) -> String) -> [String] {
        func n(_ service: String) -> String { number(figures[service]) }
        return [
            "بلغ عدد المستفيدين من الخدمات الإلكترونية لوزارة الموارد البشرية والتنمية الاجتماعية، خلال الفترة \(period)، "
                + "\(number(figures.beneficiaries)) مستفيداً. ونالت الرخص المجددة \(n("work-permit.renew"))، "
                + "في حين بلغت معاملات الرخص \(number(figures.workPermitTransactions)) معاملة. "
                + "وبلغ عدد الرخص المصدرة \(n("work-permit.issue"))، والرخص المؤقتة \(n("work-permit.issue-temporary"))، "
                + "ورخص الخروج النهائي \(n("final-exit.issue"))، فيما أصدرت الوزارة \(n("branch-change.request")) شهادة تغيير فرع عامل، "
                + "و\(n("establishment.change-activity")) شهادة تغيير نشاط المنشأة، و\(n("occupation-change.request")) شهادة تغيير مهنة عامل، "
                + "و\(n("service-transfer.request")) شهادة نقل خدمة.",
            "وسجّل \(n("account.register")) مستفيداً في البوابة الإلكترونية للوزارة، وبلغ عدد المفوضين المسجلين \(n("account.delegate-grant"))، "
                + "والوكلاء المسجلين \(n("account.agent-authorize"))، والملاك المسجلين \(n("establishment.update-owners"))، "
                + "في حين بلغت طلبات الاستقدام التعويضية للمنشآت \(n("recruitment.compensatory-visa")) طلباً مقدماً إلكترونياً.",
            "واستخرج \(n("saudization-certificate.issue")) مستفيداً شهادة السعودة، وألغى \(n("recruitment.visa-cancel")) مستفيداً تأشيرات سبق التقدم بطلبها، "
                + "وقدّم \(n("absence-report.file")) مستفيداً بلاغ تغيب عامل، وألغي \(n("absence-report.cancel")) بلاغاً، "
                + "ونقل \(n("dependent-transfer.request")) مستفيداً خدمة التابعين، وفتح \(n("establishment.open")) مستفيداً ملف منشأة، "
                + "واستفاد \(n("recruitment.balance-request")) من خدمة الاستقدام \"طلب رصيد\"، و\(n("recruitment.visa-issue")) من خدمة \"طلب صرف\".",
        ]
    }
}

/// Numbers for people: grouped by thousands, in Latin or Arabic-Indic digits.
public enum Numerals: String, Sendable, CaseIterable {
    /// 0123456789, grouped with ",".
    case latin = "latn"
    /// ٠١٢٣٤٥٦٧٨٩, grouped with "٬" (U+066C).
    case arabicIndic = "arab"

    public func format(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(self == .latin ? "," : "\u{066C}") }
            grouped.append(character)
        }
        return (value < 0 ? "-" : "") + convert(grouped)
    }

    /// Latin digits replaced (other characters kept): dates, percentages, plain numbers.
    public func convert(_ text: String) -> String {
        guard self == .arabicIndic else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            (48...57).contains(scalar.value) ? Unicode.Scalar(scalar.value - 48 + 0x0660)! : scalar
        }))
    }
}

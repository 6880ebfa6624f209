import API
import Domain
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import Store

/// The staff console (`/console`): the queue, failed requests and their re-drive, a
/// request's, a worker's and an establishment's page with their history, and every
/// workflow drawn. Signed in with a staff token (`ConsoleSession`); every read and the
/// re-drive go through the API's operations with the session's principal, so the console
/// can do nothing the API would refuse the same account.
struct ConsolePages {
    let environment: APIEnvironment
    let templates: MustacheLibrary
    /// Where people reach the pages (`MUAMALA_PUBLIC_URL`); nil: each request's Host.
    let origin: PublicOrigin?
    /// Occupations' and activities' names.
    let names: RulebookNames
    var operations: Operations { environment.operations }

    func register(on router: Router<APIRequestContext>) {
        router.get("/console") { _, _ in Page.redirect(to: "/console/queue") }
        router.get("/console/sign-in") { request, _ in signInPage(request, refused: false) }
        router.post("/console/sign-in") { request, context in try await signIn(request, context.logger) }
        router.post("/console/sign-out") { request, context in try await signOut(request, context.logger) }
        router.get("/console/queue") { request, _ in try await signedIn(request) { try await queue(request, $0) } }
        router.get("/console/failed") { request, _ in try await signedIn(request) { try await failed(request, $0) } }
        router.get("/console/find") { request, _ in try await signedIn(request) { try await find(request, $0) } }
        router.get("/console/requests/{id}") { request, context in
            try await signedIn(request) { try await requestPage(request, context.parameters.get("id") ?? "", $0) }
        }
        router.post("/console/requests/{id}/retry") { request, context in
            try await signedIn(request) { try await redrive(request, context.parameters.get("id") ?? "", $0, context.logger) }
        }
        router.get("/console/workers/{id}") { request, context in
            try await signedIn(request) { try await workerPage(request, context.parameters.get("id") ?? "", $0) }
        }
        router.get("/console/establishments/{id}") { request, context in
            try await signedIn(request) { try await establishmentPage(request, context.parameters.get("id") ?? "", $0) }
        }
        router.get("/console/establishments/{id}/workers") { request, context in
            try await signedIn(request) { try await workersPage(request, context.parameters.get("id") ?? "", $0) }
        }
        router.get("/console/workflows") { request, _ in try await signedIn(request) { try await workflows(request, $0) } }
    }

    // MARK: Sessions

    /// Runs a page for a signed-in staff member; without a live session, to the sign-in page.
    private func signedIn(_ request: Request, _ page: (ConsoleSessions.Session) async throws -> Response) async throws -> Response {
        guard let id = request.cookies[ConsoleSession.cookie]?.value, let session = try await operations.consoleSession(id),
              session.principal.user.role == .staff else {
            return Page.redirect(to: "/console/sign-in")
        }
        return try await page(session)
    }

    private func signInPage(_ request: Request, refused: Bool) -> Response {
        let language = Language(request)
        let nonce = AccountStore.randomSecret()
        var view = View.frame(request, language, title: Texts.text("sign_in_title", language), home: "/console")
        view["csrf"] = nonce
        var headers = HTTPFields()
        if refused {
            let reason = Reason.Code.consoleSignInRefused()
            view["refused"] = ["arabic": reason.arabic, "english": reason.english]
            headers[.wwwAuthenticate] = #"Bearer realm="muamala console""#
        }
        headers.append(HTTPField(name: .setCookie, value: ConsoleSession.signInCookie(nonce, maxAge: 3600, request: request, origin: origin).description))
        for cookie in language.cookies { headers.append(HTTPField(name: .setCookie, value: cookie.description)) }
        return Page.html(templates.render(view, withTemplate: "sign_in") ?? "", status: refused ? .unauthorized : .ok, headers: headers)
    }

    /// Signs in (and out of the session the browser held, if any); logged without the token.
    private func signIn(_ request: Request, _ logger: Logger) async throws -> Response {
        let form = try await Form(request)
        let expected = request.cookies[ConsoleSession.signInCookie]?.value ?? ""
        guard ConsoleSession.formIsOurs(form, expected: expected, request: request, origin: origin) else {
            logger.notice("console: a sign-in form was refused (no or a wrong CSRF token, or another site)")
            return formRefused(request)
        }
        if let previous = request.cookies[ConsoleSession.cookie]?.value { try await operations.closeConsoleSession(previous) }
        guard let opened = try await operations.openConsoleSession(token: form["token"]?.trimmingCharacters(in: .whitespaces) ?? "") else {
            logger.notice("console: sign-in refused (not a staff member's token)")
            return signInPage(request, refused: true)
        }
        logger.notice("console: signed in", metadata: ["user": .string(opened.user.uuidString.lowercased())])
        var headers = HTTPFields()
        let lifetime = Int(Operations.consoleSessionLifetime)
        headers.append(HTTPField(name: .setCookie, value: ConsoleSession.sessionCookie(opened.id, maxAge: lifetime, request: request, origin: origin).description))
        headers.append(HTTPField(name: .setCookie, value: ConsoleSession.signInCookie("", maxAge: 0, request: request, origin: origin).description))
        return Page.redirect(to: "/console/queue", headers: headers)
    }

    private func signOut(_ request: Request, _ logger: Logger) async throws -> Response {
        guard let id = request.cookies[ConsoleSession.cookie]?.value, let session = try await operations.consoleSession(id) else {
            return Page.redirect(to: "/console/sign-in")
        }
        let form = try await Form(request)
        guard ConsoleSession.formIsOurs(form, expected: session.csrf, request: request, origin: origin) else { return formRefused(request) }
        try await operations.closeConsoleSession(id)
        logger.notice("console: signed out", metadata: ["user": .string(session.principal.user.id.uuidString.lowercased())])
        var headers = HTTPFields()
        headers.append(HTTPField(name: .setCookie, value: ConsoleSession.sessionCookie("", maxAge: 0, request: request, origin: origin).description))
        return Page.redirect(to: "/console/sign-in", headers: headers)
    }

    // MARK: Pages

    private func queue(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = Language(request)
        guard let overview = try await operations.queueOverview(for: session.principal) else { return notFound(request, session) }
        var view = frame(request, language, session, title: "queue_title", current: "/console/queue")
        let s = overview.statistics
        let tiles: [(String, String, Int, String, Bool)] = [
            ("due", "due", s.due, language.number(s.due), false),
            ("retrying", "retrying", s.retrying, language.number(s.retrying), s.retrying > 0),
            ("scheduled", "scheduled", s.scheduled, language.number(s.scheduled), false),
            ("oldest", "oldest_due", Int(s.oldestDueAgeSeconds), language.decimal(String(format: "%.1f", s.oldestDueAgeSeconds)), false),
            ("finished", "finished_minute", s.finishedLastMinute ?? 0, language.number(s.finishedLastMinute ?? 0), false),
            ("failed", "failed_parked", s.failed, language.number(s.failed), s.failed > 0),
        ]
        view["tiles"] = tiles.map { ["id": $0.0, "label": Texts.text($0.1, language), "value": $0.2, "text": $0.3, "alert": $0.4] }
        let formatter = Self.timeFormatter
        let bars = overview.lastHour.enumerated().map { index, minute in
            let time = formatter.string(from: minute.minute)
            let label = index == overview.lastHour.count - 1 ? Texts.text("now", language) : index % 10 == 0 ? language.digits(time) : nil
            return BarChart.Bar(value: minute.count, secondary: 0, label: label,
                                tooltip: "\(language.digits(time)): \(language.number(minute.count))")
        }
        view["chart"] = BarChart.render(id: "last-hour", title: Texts.text("last_hour", language), bars: bars, language: language, showValues: false)
        return render("queue", view, language)
    }

    private func failed(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = Language(request)
        let before = request.uri.queryParameters["before"].flatMap { Int64(String($0)) }
        guard case .success(let records) = try await operations.requests(.init(state: .failed, before: before, limit: Self.pageLength),
                                                                          for: session.principal) else {
            return notFound(request, session)
        }
        var view = frame(request, language, session, title: "failed_title", current: "/console/failed")
        view["has_requests"] = !records.isEmpty
        view["requests"] = records.map { record -> [String: Any] in
            // The refusal's code is the same for every technical failure; what failed is the error's text (staff see it).
            ["id": record.id.lowercasedText, "short_id": String(record.id.lowercasedText.prefix(8)), "service": record.service,
             "subject": record.subject, "error_code": Reason.Code.technicalFailure.rawValue,
             "error": String((record.lastError ?? "").prefix(160)),
             "attempts": language.number(record.attempts), "decided_at": record.decidedAt.map { language.digits(Self.iso($0)) } ?? ""]
        }
        if records.count == Self.pageLength, let last = records.last { view["next_href"] = "/console/failed?before=\(last.seq)" }
        return render("failed", view, language)
    }

    private func find(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        // What the pages print in Arabic-Indic digits may be pasted back.
        let text = Self.latinDigits((request.uri.queryParameters["q"].map(String.init) ?? "").trimmingCharacters(in: .whitespaces))
        if text.count <= 100 {
            if let id = UUID(uuidString: text) { return Page.redirect(to: "/console/requests/\(id.lowercasedText)") }
            if let person = try? PersonID(text) { return Page.redirect(to: "/console/workers/\(person)") }
            if let establishment = try? EstablishmentID(text) { return Page.redirect(to: "/console/establishments/\(establishment)") }
        }
        return notFound(request, session)
    }

    private func requestPage(_ request: Request, _ text: String, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = Language(request)
        guard let id = UUID(uuidString: text), let record = try await operations.request(id, for: session.principal) else {
            return notFound(request, session)
        }
        let events = try await operations.history(of: nil, request: id, for: session.principal) ?? []
        var view = frame(request, language, session, title: "request", current: "")
        let service = ServiceCatalog.service(record.service)
        view["id"] = record.id.lowercasedText
        view["service"] = record.service
        view["service_name"] = service.map { language.pick($0.nameAr, $0.nameEn) } ?? record.service
        view["state"] = record.state.rawValue
        view["state_label"] = Self.stateLabel(record.state, language)
        view["subject"] = record.subject
        view["subject_href"] = Self.subjectLink(record.subject)
        view["establishment"] = record.establishmentID
        view["actor"] = "\(record.actorRole) \(record.actorID)"
        view["submitted_at"] = language.digits(Self.iso(record.submittedAt))
        view["decided_at"] = record.decidedAt.map { language.digits(Self.iso($0)) }
        view["attempts"] = language.number(record.attempts)
        view["payload"] = record.payload.prettyText
        if record.state == .completed { view["outcome"] = record.outcome?.prettyText }
        if record.state == .rejected, let outcome = record.outcome {
            view["reasons"] = Self.reasons(outcome)
            view["has_reasons"] = true
        }
        if let lastError = record.lastError, record.state == .failed || record.state == .queued {
            let reason = record.state == .failed ? Reason.Code.technicalFailure() : Reason.Code.technicalRetrying()
            view["error"] = ["code": reason.code.rawValue, "arabic": reason.arabic, "english": reason.english,
                             "detail": lastError, "can_redrive": record.state == .failed] as [String: Any]
        }
        view["events"] = timeline(events, language)
        view["more_events"] = events.count == Operations.timelineLength
        if request.uri.queryParameters["done"] == "redriven" { view["notice"] = Texts.text("redriven", language) }
        return render("request", view, language)
    }

    private func redrive(_ request: Request, _ text: String, _ session: ConsoleSessions.Session, _ logger: Logger) async throws -> Response {
        let form = try await Form(request)
        let user = session.principal.user.id.uuidString.lowercased()
        guard ConsoleSession.formIsOurs(form, expected: session.csrf, request: request, origin: origin) else {
            logger.notice("console: a re-drive form was refused (no or a wrong CSRF token, or another site)", metadata: ["user": .string(user)])
            return formRefused(request)
        }
        guard let id = UUID(uuidString: text) else { return notFound(request, session) }
        switch try await operations.redrive(id, by: session.principal) {
        case .success:
            logger.notice("console: re-drove a failed request", metadata: ["user": .string(user), "request": .string(id.lowercasedText)])
            return Page.redirect(to: "/console/requests/\(id.lowercasedText)?done=redriven")
        case .failure(.forbidden):
            return refusal(request, session, status: .forbidden, Reason.Code.forbidden())
        case .failure(.refused(.notFound)):
            return notFound(request, session)
        case .failure(.refused(let refusal)):
            return self.refusal(request, session, status: .conflict, Self.reason(refusal))
        }
    }

    private func workerPage(_ request: Request, _ text: String, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = Language(request)
        guard let id = try? PersonID(text),
              let read = try await operations.worker(id, for: session.principal, rulebook: environment.rulebook) else {
            return notFound(request, session)
        }
        let events = try await operations.history(of: .worker(id), for: session.principal) ?? []
        let worker = read.profile.worker
        var view = frame(request, language, session, title: "worker", current: "")
        view["id"] = language.digits(worker.id.description)
        var facts: [[String: Any]] = [
            ["label": Texts.text("name", language), "value": worker.name],
            ["label": language.pick("الجنسية", "Nationality"), "value": worker.isSaudi ? language.pick("سعودي", "Saudi") : worker.nationality],
            ["label": language.pick("التوظيف", "Employment"), "value": Texts.code("employment", worker.employment.rawValue, language)],
        ]
        if let employer = worker.employer {
            facts.append(["label": Texts.text("establishment", language), "value": "\(employer)" + (read.profile.employerName.map { " — \($0)" } ?? ""),
                          "href": "/console/establishments/\(employer)"])
        }
        facts.append(["label": Texts.text("occupation", language),
                      "value": "\(names.occupation(worker.occupation, language)), \(language.number(worker.wage)) \(language.pick("ريال", "SAR"))"])
        if let permit = read.profile.permit {
            facts.append(["label": Texts.text("permit", language),
                          "value": Texts.code("permit", permit.state.rawValue, language) + " (" + Texts.code("permit_kind", permit.kind.rawValue, language) + "), "
                              + language.digits("\(permit.validFrom) – \(permit.expiresOn)")])
        } else {
            facts.append(["label": Texts.text("permit", language), "value": Texts.text("none", language)])
        }
        facts.append(["label": "Nitaqat", "value": read.countedInNitaqat ? language.pick("محتسب", "counted") : language.pick("غير محتسب", "not counted")])
        view["facts"] = facts
        view["cases"] = read.profile.openCases.map { file -> [String: Any] in
            var line: [String: Any] = ["kind": language.pick(file.kind.arabic, file.kind.english), "state": file.state,
                                       "opened": language.digits(file.openedOn.iso)]
            if let deadline = file.deadline { line["deadline"] = language.digits(deadline.iso) }
            return line
        }
        view["next"] = read.next.map { option -> [String: Any] in
            var line: [String: Any] = ["service": option.service, "allowed": option.allowed]
            if let reason = option.reason, !option.allowed { line["reason"] = language.pick(reason.arabic, reason.english) }
            return line
        }
        view["events"] = timeline(events, language)
        view["more_events"] = events.count == Operations.timelineLength
        return render("worker", view, language)
    }

    private func establishmentPage(_ request: Request, _ text: String, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = Language(request)
        guard let id = try? EstablishmentID(text),
              let read = try await operations.establishment(id, for: session.principal, rulebook: environment.rulebook) else {
            return notFound(request, session)
        }
        let events = try await operations.history(of: .establishment(id), for: session.principal) ?? []
        let profile = read.profile, establishment = profile.establishment
        var view = frame(request, language, session, title: "establishment", current: "")
        view["id"] = establishment.id.description
        let balances = profile.visaBalances.map { "\($0.occupation) \($0.balance.remaining) / \($0.balance.approved)" }
        view["facts"] = [
            ["label": Texts.text("name", language), "value": "\(establishment.nameAr) — \(establishment.nameEn)"],
            ["label": language.pick("الرقم الموحد والسجل", "Company and CR"),
             "value": language.digits("\(establishment.unifiedNumber), CR \(establishment.cr) (\(establishment.crExpiresOn))")],
            ["label": language.pick("النشاط والحالة", "Activity and status"), "value": names.activity(establishment.activity, language) + "; " + Texts.code("status", establishment.status.rawValue, language)],
            ["label": "Nitaqat", "value": language.pick(read.band.arabic, read.band.english) + ": " + language.decimal("\(read.saudizationPercent)%")],
            ["label": language.pick("عدد العاملين", "Headcount"),
             "value": language.digits("\(establishment.headcount) (\(establishment.saudiCount) \(language.pick("سعودي", "Saudi")), \(establishment.expatCount) \(language.pick("مقيم", "resident")))")],
            ["label": language.pick("رخص منتهية وطلبات في الطابور", "Expired permits, queued requests"),
             "value": language.digits("\(profile.expiredPermits); \(profile.queuedRequests)")],
            ["label": language.pick("رصيد التأشيرات", "Visa balance"), "value": balances.isEmpty ? Texts.text("none", language) : language.digits(balances.joined(separator: ", "))],
        ] as [[String: Any]]
        view["events"] = timeline(events, language)
        view["more_events"] = events.count == Operations.timelineLength
        return render("establishment", view, language)
    }

    private func workersPage(_ request: Request, _ text: String, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = Language(request)
        let after = request.uri.queryParameters["after"].flatMap { PersonID(cursor: String($0)) }
        guard let id = try? EstablishmentID(text),
              let lines = try await operations.workers(of: id, after: after, limit: 100, for: session.principal) else {
            return notFound(request, session)
        }
        var view = frame(request, language, session, title: "workers", current: "")
        view["id"] = id.description
        view["workers"] = lines.map { line -> [String: Any] in
            ["id": line.worker.id.description, "name": line.worker.name, "occupation": names.occupation(line.worker.occupation, language),
             "permit": line.permit.map { Texts.code("permit", $0.state.rawValue, language) + ", " + language.digits($0.expiresOn.iso) }
                 ?? Texts.text("none", language)]
        }
        if lines.count == 100, let last = lines.last { view["next_href"] = "/console/establishments/\(id)/workers?after=\(last.worker.id.digits)" }
        return render("workers", view, language)
    }

    private func workflows(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = Language(request)
        var view = frame(request, language, session, title: "workflows_title", current: "/console/workflows")
        view["diagrams"] = ServiceCatalog.workflows.enumerated().map { index, diagram in
            WorkflowDrawing.view(diagram, anchor: String(index), title: language.pick(diagram.nameAr, diagram.name))
        }
        return render("workflows", view, language)
    }

    // MARK: Helpers

    private func frame(_ request: Request, _ language: Language, _ session: ConsoleSessions.Session, title: String, current: String) -> [String: Any] {
        var view = View.frame(request, language, title: Texts.text(title, language), home: "/console/queue")
        view["signed_in"] = true
        view["user_name"] = session.principal.user.name
        view["csrf"] = session.csrf
        view["nav"] = ["items": [("/console/queue", "nav_queue"), ("/console/failed", "nav_failed"),
                                 ("/console/workflows", "nav_workflows"), ("/open-data", "nav_open_data")].map { href, key in
            ["href": href, "label": Texts.text(key, language), "current": href == current] as [String: Any]
        }]
        return view
    }

    private func timeline(_ events: [EventLog.Stored], _ language: Language) -> [[String: Any]] {
        events.map { event in
            var line: [String: Any] = ["iso": Self.iso(event.at), "at": language.digits(Self.iso(event.at)), "type": event.type,
                                       "stream": event.stream, "seq": language.number(Int(event.seq)), "data": event.data.prettyText]
            if let request = event.requestID { line["request"] = request.lowercasedText }
            return line
        }
    }

    private func render(_ name: String, _ view: [String: Any], _ language: Language, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        for cookie in language.cookies { headers.append(HTTPField(name: .setCookie, value: cookie.description)) }
        return Page.html(templates.render(view, withTemplate: name) ?? "", status: status, headers: headers)
    }

    /// One answer for a malformed id, an unknown one and one the account may not see.
    private func notFound(_ request: Request, _ session: ConsoleSessions.Session) -> Response {
        refusal(request, session, status: .notFound, Reason.Code.recordNotFound())
    }

    private func refusal(_ request: Request, _ session: ConsoleSessions.Session?, status: HTTPResponse.Status, _ reason: Reason) -> Response {
        let language = Language(request)
        var view = session.map { frame(request, language, $0, title: "refused", current: "") }
            ?? View.frame(request, language, title: Texts.text("refused", language), home: "/console")
        view["heading"] = Texts.text(status == .notFound ? "not_found" : "refused", language)
        view["message_ar"] = reason.arabic
        view["message_en"] = reason.english
        view["code"] = reason.code.rawValue
        view["back"] = "/console/queue"
        return render("error", view, language, status: status)
    }

    private func formRefused(_ request: Request) -> Response {
        refusal(request, nil, status: .forbidden, Reason.Code.consoleFormRefused())
    }

    private static func reason(_ refusal: RequestQueue.ChangeRefusal) -> Reason {
        switch refusal {
        case .notFound: return Reason.Code.recordNotFound()
        case .beingProcessed: return Reason.Code.requestBeingProcessed()
        case .wrongState(let state): return Reason.Code.requestNotFailed(["state": state.rawValue])
        }
    }

    /// The reasons of a refusal as stored (`{code, message_ar, message_en}`, or several under `reasons`).
    private static func reasons(_ outcome: JSONValue) -> [[String: String]] {
        let list = outcome["reasons"]?.arrayValue ?? [outcome]
        return list.map { reason in
            ["code": reason["code"]?.stringValue ?? "", "arabic": reason["message_ar"]?.stringValue ?? "",
             "english": reason["message_en"]?.stringValue ?? ""]
        }
    }

    private static func subjectLink(_ subject: String) -> String? {
        if subject.hasPrefix("worker:") { return "/console/workers/\(subject.dropFirst(7))" }
        if subject.hasPrefix("establishment:") { return "/console/establishments/\(subject.dropFirst(14))" }
        return nil
    }

    private static func stateLabel(_ state: RequestRecord.State, _ language: Language) -> String {
        switch state {
        case .queued: return language.pick("في الطابور", "queued")
        case .completed: return Texts.text("completed", language)
        case .rejected: return Texts.text("rejected", language)
        case .failed: return Texts.text("failed", language)
        case .cancelled: return Texts.text("cancelled", language)
        }
    }

    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }

    /// How many failed requests a page lists.
    static let pageLength = 100

    /// Arabic-Indic (٠–٩) and Persian (۰–۹) digits as Latin ones.
    static func latinDigits(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            switch scalar.value {
            case 0x0660...0x0669: return Unicode.Scalar(scalar.value - 0x0660 + 48)!
            case 0x06F0...0x06F9: return Unicode.Scalar(scalar.value - 0x06F0 + 48)!
            default: return scalar
            }
        }))
    }

    static let timeFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm"
        formatter.timeZone = TimeZone(identifier: "Asia/Riyadh")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter
    }()
}

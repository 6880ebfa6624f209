import Foundation
import PQ
import Store
import Testing
import TestSupport

/// The check behind `docs/SCALING.md`: should the country outgrow one node, Muamala's tables
/// are distributed with Citus, by company for the business aggregates and by subject for the
/// queue and the history. A statement that names no distribution key of a distributed table
/// runs on every shard. Each such statement must be known and explained here (and in the
/// document); a new one fails this test until it is routed or explained.
///
/// The reading is textual, statement by statement: a table counts as routed when the statement
/// inserts into it, or binds one of its routing columns with `=`, `IN` or `= ANY(…)` (not
/// behind `$n IS NULL OR`). It catches a scan by date, state or person; it does not prove that
/// a join keeps to one shard.
@Suite("Distribution keys (docs/SCALING.md)")
struct DistributionKeyTests {
    /// Distributed tables and the columns that route a statement to one shard: the distribution
    /// column itself, or a key that fixes it in the row and that Store has in hand when it runs
    /// the statement (the sharded schema adds the company or subject beside it; SCALING.md).
    static let routing: [String: Set<String>] = [
        // By company (unified number), co-located.
        "establishments": ["unified_number", "id"],
        "establishment_owners": ["establishment_id"],
        "workers": ["establishment_id", "id"],
        "permits": ["establishment_id", "worker_id", "id"],
        "cases": ["establishment_id", "worker_id", "id"],
        "certificates": ["establishment_id", "id"],
        "visas": ["establishment_id", "id"],
        "visa_balances": ["establishment_id"],
        "authorizations": ["establishment_id", "id"],
        // A version lives with its row: the key of a worker, establishment or case, or the
        // worker or establishment it names.
        "aggregate_versions": ["key", "worker_id", "establishment_id"],
        // By subject, co-located: a subject's queue, decisions and event chain.
        "requests": ["subject", "id"],
        "request_history": ["subject", "id"],
        "events": ["stream"],
        "streams": ["stream"],
        // By the caller.
        "idempotency_keys": ["actor_id"],
    ]

    /// Co-location groups: a join on routing keys between tables of one group stays on a shard.
    static let group: [String: String] = [
        "establishments": "company", "establishment_owners": "company", "workers": "company", "permits": "company",
        "cases": "company", "certificates": "company", "visas": "company", "visa_balances": "company", "authorizations": "company",
        "aggregate_versions": "company",
        "requests": "subject", "request_history": "subject", "events": "subject", "streams": "subject",
        "idempotency_keys": "actor",
    ]

    /// Reference tables (small, copied to every node): never a cross-shard question.
    static let reference: Set<String> = ["users", "grants", "tokens", "console_sessions", "clock", "schema_migrations"]

    /// Statements that run on every shard, on purpose, and why (each also in SCALING.md).
    static let knownCrossShard: [String: String] = [
        "console_sessions_find": "a console page: the session's account, as accounts_authenticate; on every page, staff only",
        "accounts_authenticate": "sign-in: the companies a person owns and the grants he holds, across companies; once per token, then cached",
        "accounts_of_person": "sign-in with the identity provider: the same, once per person, then cached",
        "accounts_principal_by_id": "a principal read again after a change was announced: the same, once per change",
        "aggregates_load_dependents": "a guardian's dependents by guardian_id; the sharded schema keeps dependents on their guardian's company",
        "profiles_case_sides": "a case's other side (a transfer's new employer): a second company, one point lookup",
        "aggregates_load_authorizations": "a person's grants, across every company he acts for; at sign-in and cached",
        "queue_claim": "the claim of due requests; each daemon claims from its own shards (one claim per shard group)",
        "queue_due": "the queue's counts for `muamala queue` and the metrics; a sum over shards",
        "queue_exact_counts": "scheduled and finished counts for `muamala queue`; a sum over shards",
        "queue_finished_per_minute": "the console's chart of the last hour: a GROUP BY on every shard, the counts added",
        "queue_list": "listing requests by establishment or state; by subject it is routed",
        "queue_purge_keys": "the purge of old idempotency keys every 10 minutes; ctid and SKIP LOCKED: run shard by shard",
        "profiles_queued_for": "requests queued for an establishment (its page): a count over the subject shards",
        "state_check_count": "muamala verify --state: the rows of every aggregate table, counted",
        "state_check_unrecorded": "muamala verify --state: every row against its newest version (a join on the row's key, local to its shard)",
        "state_check_missing": "muamala verify --state: every recorded row that is gone",
        "state_check_counts": "muamala verify --state: every establishment's counts against its workers and permits (a join on establishment_id, local to its shard)",
        "state_check_outside": "muamala verify --state: the versions nobody vouched for, by a partial index",
        "scratch_world_decided": "muamala simulate: a period's decisions in order, page by page (an operator's replay)",
        "scratch_world_record_begins": "muamala simulate: when the record of versions began (the first version migration 0025 wrote)",
        "scratch_world_decided_count": "muamala simulate: how many decisions the period holds",
        "scratch_world_recorded_establishments": "muamala simulate: every establishment as it stood at the period's end, for the bands",
        "state_history_queued": "requests queued for an establishment as of a day (its page with --as-of): the same count, with the decided ones",
        "events_history": "`muamala history` by aggregate or request id; by stream it is routed",
        "events_history_latest": "the console's timeline of a request (by request id); of a worker or an establishment it is routed",
        "events_all_heads": "`muamala checkpoint` signs every stream head: a scan of every shard",
        "events_verify_page": "`muamala verify` walks every chain: a scan of every shard",
        "statistics_daily": "open data: the GROUP BY runs on every shard and the counts are added",
    ]

    @Test("the catalog lists every statement in Sources/Store, once")
    func catalogIsComplete() throws {
        let folder = TestDatabase.repositoryRoot.appendingPathComponent("Sources/Store")
        var declared: [String] = []
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        let pattern = try Regex(#"Statement\(\s*"([a-z0-9_]+)""#)
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            declared += text.matches(of: pattern).compactMap { $0.output[1].substring.map(String.init) }
        }
        let listed = StatementCatalog.all.map(\.name)
        #expect(declared.count > 90, "the statements were not found where expected")
        #expect(Set(listed).count == listed.count, "a statement listed twice")
        let missing = Set(declared).subtracting(listed).sorted(), extra = Set(listed).subtracting(declared).sorted()
        #expect(missing.isEmpty && extra.isEmpty, "missing from StatementCatalog: \(missing); not declared in Sources/Store: \(extra)")
    }

    @Test("every statement on a distributed table binds a distribution key, or is a known cross-shard statement")
    func statementsAreRouted() {
        var unrouted: [String: [String]] = [:]
        for statement in StatementCatalog.all {
            let tables = Self.unroutedTables(statement.sql)
            if !tables.isEmpty { unrouted[statement.name] = tables }
        }
        for (name, tables) in unrouted.sorted(by: { $0.key < $1.key }) where Self.knownCrossShard[name] == nil {
            Issue.record("\(name) reaches every shard of \(tables.joined(separator: ", ")) (? marks a table this check does not know: add it to the routing or reference tables): bind a distribution key, or add it to the known cross-shard statements here and in docs/SCALING.md")
        }
        for name in Self.knownCrossShard.keys.sorted() {
            #expect(unrouted[name] != nil, "\(name) is listed as cross-shard but is routed (or gone): take it off the list")
        }
    }

    @Test("every known cross-shard statement is explained in docs/SCALING.md")
    func knownStatementsAreDocumented() throws {
        let document = try String(contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("docs/SCALING.md"), encoding: .utf8)
        for name in Self.knownCrossShard.keys.sorted() {
            #expect(document.contains("`\(name)`"), "\(name) is not in docs/SCALING.md's list")
        }
    }

    @Test("the check itself: a scan by date is caught, a key, a list of keys and an insert are routed, an optional key is not")
    func checkCatchesScans() {
        #expect(Self.unroutedTables("SELECT * FROM permits WHERE expires_on < $1") == ["permits"])
        #expect(Self.unroutedTables("SELECT * FROM permits WHERE worker_id = $1").isEmpty)
        #expect(Self.unroutedTables("SELECT * FROM workers w WHERE w.id = ANY($1::text[])").isEmpty)
        #expect(Self.unroutedTables("SELECT * FROM workers WHERE establishment_id IN ($1, $2)").isEmpty)
        #expect(Self.unroutedTables("INSERT INTO events (stream, seq) SELECT * FROM unnest($1::text[], $2::bigint[])").isEmpty)
        #expect(Self.unroutedTables("SELECT * FROM events WHERE ($1::text IS NULL OR stream = $1)") == ["events"])
        #expect(Self.unroutedTables("SELECT * FROM tokens t JOIN users u ON u.id = t.user_id").isEmpty, "reference tables")
        #expect(Self.unroutedTables("SELECT * FROM requests r WHERE r.not_before <= $1 AND NOT EXISTS (SELECT 1 FROM request_history h)")
                == ["request_history", "requests"])
        #expect(Self.unroutedTables("SELECT * FROM permits WHERE worker_id = $1 OR expires_on < $2") == ["permits"], "one side of an OR")
        #expect(Self.unroutedTables("SELECT * FROM permits WHERE (worker_id = $1 OR worker_id = $2) AND kind = $3").isEmpty)
        #expect(Self.unroutedTables("SELECT * FROM permits WHERE worker_id IN (SELECT id FROM workers WHERE wage > $1)")
                == ["permits", "workers"], "a subquery's rows are not values")
        #expect(Self.unroutedTables("SELECT * FROM workers w JOIN users u ON w.id = u.person_id WHERE u.id = $1") == ["workers"],
                "a reference table's column is not a value")
        #expect(Self.unroutedTables("SELECT * FROM payments WHERE id = $1") == ["?payments"], "a table the check does not know")
    }

    /// The distributed tables a statement reads or changes without binding a routing column.
    static func unroutedTables(_ sql: String) -> [String] {
        // `FOR UPDATE` locks rows; it names no table.
        let text = sql.lowercased().replacingOccurrences(of: "for update", with: "for_update")
        let named = text.matches(of: #/\b(from|join|into|update|using)\s+([a-z_]+)(?:\s+(?:as\s+)?([a-z_]+))?/#)
            // A function after FROM (`now()`, `unnest(…)`) is no table; `INTO t (columns)` is one.
            .filter { match in match.output.1 == "into" || !text[match.output.2.endIndex...].drop(while: \.isWhitespace).hasPrefix("(") }
            .map { (keyword: String($0.output.1), table: String($0.output.2), alias: $0.output.3.map(String.init)) }
        let clauses: Set<String> = ["where", "on", "join", "cross", "left", "inner", "set", "select", "order", "group", "limit",
                                    "union", "using", "values", "returning", "for", "default", "with"]
        // Names that are not tables: common table expressions, set-returning functions, the catalog.
        let expressions = Set(text.matches(of: #/(?:\bwith|,)\s*([a-z_]+)\s+as\s*\(/#).map { String($0.output.1) })
        // Aliases that stand for rows of a table: the other side of an equality must be a value
        // (a parameter, or a column of an unnest list), or a co-located routing key.
        var tableAliases: [String: String] = [:]
        for entry in named where routing[entry.table] != nil || reference.contains(entry.table) {
            tableAliases[entry.table] = entry.table
            if let alias = entry.alias, !clauses.contains(alias) { tableAliases[alias] = entry.table }
        }
        var unrouted: Set<String> = []
        for entry in named {
            guard let columns = routing[entry.table] else {
                let known = reference.contains(entry.table) || expressions.contains(entry.table) || entry.table == "unnest"
                    || entry.table == "lateral" || entry.table.hasPrefix("pg_") || clauses.contains(entry.table)
                if !known { unrouted.insert("?" + entry.table) }  // a table this check does not know
                continue
            }
            if entry.keyword == "into" { continue }  // an inserted row carries its distribution column
            // `w.id` speaks of this use of the table only when `w` is its name here (a table
            // joined twice, as a case's two sides, is judged use by use).
            var own: Set<String> = [entry.table]
            if let alias = entry.alias, !clauses.contains(alias) { own.insert(alias) }
            if !columns.contains(where: { binds($0, of: entry.table, own: own, in: text, tableAliases: tableAliases) }) {
                unrouted.insert(entry.table)
            }
        }
        return unrouted.sorted()
    }

    /// Whether `column` (bare or after one of the table's own names) is bound to a value:
    /// `= $n`, `= ANY($n)`, `IN (…values)`, a column of a list that is not a table's row
    /// (`k.id` of `unnest(…) AS k(id)`), or a routing key of a table co-located with it (a
    /// join that stays on the shard). Not a subquery's rows, not a reference table's column,
    /// not one side of an `OR`, not behind an optional-filter `$n IS NULL OR`.
    static func binds(_ column: String, of table: String, own: Set<String>, in text: String, tableAliases: [String: String]) -> Bool {
        let operand = #"(\$\d+|any\s*\(|\(|[a-z_]+\.[a-z_]+|[a-z_]+)"#
        let columnReference = "(?:([a-z_]+)\\.)?\(column)"
        let forward = try! Regex("(?:^|[^a-z0-9_.])\(columnReference)\\s*(?:=\\s*\(operand)|in\\s*\\()")
        let backward = try! Regex("\(operand)\\s*=\\s*\(columnReference)(?![a-z0-9_])")
        func isValue(_ side: Substring?, after end: String.Index) -> Bool {
            let next = text[end...].drop(while: { $0 == " " || $0 == "\n" })
            if side == nil || side!.hasPrefix("any") || side!.hasPrefix("(") {
                return !next.hasPrefix("select") && !next.hasPrefix("array(select") && !next.hasPrefix("array (select")
            }
            guard let side else { return false }
            if side.hasPrefix("$") { return true }
            guard let dot = side.firstIndex(of: ".") else { return false }  // a bare column of the same row
            guard let other = tableAliases[String(side[..<dot])] else { return true }  // a list's value
            let otherColumn = String(side[side.index(after: dot)...])
            return other != table && group[other] != nil && group[other] == group[table] && routing[other]?.contains(otherColumn) == true
        }
        func optional(_ range: Range<String.Index>) -> Bool {
            text[..<range.lowerBound].suffix(20).replacingOccurrences(of: " ", with: "").hasSuffix("isnullor")
        }
        func isOwn(_ prefix: Substring?) -> Bool { prefix.map { own.contains(String($0)) } ?? true }
        // forward: (prefix) (operand); backward: (operand) (prefix)
        for match in text.matches(of: forward) where !optional(match.range) && isOwn(match.output[1].substring) {
            if isValue(match.output[2].substring, after: match.range.upperBound) && !inDisjunction(match.range, of: text) { return true }
        }
        for match in text.matches(of: backward) where !optional(match.range) && isOwn(match.output[2].substring) {
            if isValue(match.output[1].substring, after: match.range.upperBound) && !inDisjunction(match.range, of: text) { return true }
        }
        return false
    }

    /// Whether the condition at `range` is one side of an `OR` in its parenthesis.
    static func inDisjunction(_ range: Range<String.Index>, of text: String) -> Bool {
        var depth = 0
        var start = text.startIndex
        var index = range.lowerBound
        while index > text.startIndex {
            index = text.index(before: index)
            if text[index] == ")" { depth += 1 }
            if text[index] == "(" { if depth == 0 { start = text.index(after: index); break }; depth -= 1 }
        }
        depth = 0
        var end = text.endIndex
        index = range.upperBound
        while index < text.endIndex {
            if text[index] == "(" { depth += 1 }
            if text[index] == ")" { if depth == 0 { end = index; break }; depth -= 1 }
            index = text.index(after: index)
        }
        // The parenthesis's own level only: nested parentheses are blanked out.
        var level = ""
        depth = 0
        for character in text[start..<end] {
            if character == "(" { depth += 1 }
            level.append(depth == 0 ? character : " ")
            if character == ")" { depth -= 1 }
        }
        return level.contains(" or ")
    }
}

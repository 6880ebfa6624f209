import PQ

/// Every SQL statement the program runs, in one list: for the checks that read them all (the
/// distribution-key check of `docs/SCALING.md`), and for a reader who wants them side by
/// side. A test compares this list with the `Statement("…")` names in `Sources/Store`, so a
/// new statement cannot be left out.
public enum StatementCatalog {
    public static let all: [Statement] = [
        // AccountStore
        AccountStore.insertUser, AccountStore.findUser, AccountStore.listUsers, AccountStore.upsertGrant,
        AccountStore.deleteGrant, AccountStore.setUserDisabled, AccountStore.insertToken, AccountStore.revokeUserTokens,
        AccountStore.principalByID, AccountStore.authenticateStatement, AccountStore.personAccounts,
        // ConsoleSessions
        ConsoleSessions.insert, ConsoleSessions.findStatement, ConsoleSessions.delete, ConsoleSessions.deleteExpired,
        // DirectoryStore
        DirectoryStore.companyStatement, DirectoryStore.employerStatement, DirectoryStore.companiesStatement,
        DirectoryStore.employersStatement,
        // AggregateStore
        AggregateStore.loadWorkers, AggregateStore.loadPermits, AggregateStore.loadDependents,
        AggregateStore.loadCasesByID, AggregateStore.loadOpenCases, AggregateStore.loadEstablishmentCases,
        AggregateStore.loadVisaBalances, AggregateStore.loadVisaCounts, AggregateStore.loadVisas,
        AggregateStore.loadAccounts, AggregateStore.loadAuthorizations, AggregateStore.loadOwners,
        AggregateStore.insertAccounts, AggregateStore.upsertAuthorizations, AggregateStore.deleteOwners,
        AggregateStore.insertOwners, AggregateStore.loadEstablishments, AggregateStore.upsertEstablishments,
        AggregateStore.upsertWorkers, AggregateStore.upsertPermits, AggregateStore.upsertCases,
        AggregateStore.insertCertificates, AggregateStore.applyVisaBalances, AggregateStore.upsertVisas,
        AggregateStore.applyDeltas,
        // Profiles
        Profiles.workersOf, Profiles.latestCertificateOf, Profiles.workerOwnerOf, Profiles.caseSidesOf,
        Profiles.establishmentsOf, Profiles.establishmentsActedFor, Profiles.employerName, Profiles.establishmentByID,
        Profiles.queuedFor, Profiles.visaStatesOf,
        // ClockStore
        ClockStore.readStatement, ClockStore.simulatedNowStatement, ClockStore.simulateStatement,
        ClockStore.systemStatement, ClockStore.setStatement, ClockStore.notifyStatement,
        // EventLog
        EventLog.loadHeads, EventLog.insertEvents, EventLog.upsertHeads, EventLog.historyStatement, EventLog.latestHistoryStatement, EventLog.allHeads,
        EventLog.segmentsStatement, EventLog.verifyPage,
        // Migrator
        Migrator.tableExists, Migrator.createTable, Migrator.lock, Migrator.unlock, Migrator.listApplied,
        Migrator.record,
        // RequestQueue
        RequestQueue.insert, RequestQueue.insertWithKey, RequestQueue.insertMany, RequestQueue.insertDecided,
        RequestQueue.findKeys, RequestQueue.findMany, RequestQueue.purgeKeys, RequestQueue.findKey,
        RequestQueue.notifyQueue, RequestQueue.claimStatement, RequestQueue.completeStatement,
        RequestQueue.failStatement, RequestQueue.retryAtStatement, RequestQueue.parkStatement, RequestQueue.lockQueued,
        RequestQueue.redriveStatement, RequestQueue.findStatement, RequestQueue.listStatement,
        RequestQueue.dueStatement, RequestQueue.exactCountsStatement, RequestQueue.finishedPerMinuteStatement, RequestQueue.deadRowsStatement,
        RequestQueue.mayVacuumStatement, RequestQueue.scheduleMany, RequestQueue.cancelTimers,
        RequestQueue.notifyDecided,
        // StateHistory
        StateHistory.markEngine, StateHistory.markLoad, StateHistory.workerAsOf, StateHistory.permitAsOf,
        StateHistory.openCasesAsOf, StateHistory.caseAsOf, StateHistory.establishmentAsOf, StateHistory.queuedAsOf,
        StateHistory.visaBalancesAsOf, StateHistory.visaStatesAsOf, StateHistory.certificateAsOf,
        // StateCheck
        StateCheck.countRows, StateCheck.unrecorded, StateCheck.missing, StateCheck.counts, StateCheck.outside,
        // ScratchWorld
        ScratchWorld.shadowedTables, ScratchWorld.recordBeginsStatement, ScratchWorld.insertableColumns, ScratchWorld.decidedStatement, ScratchWorld.decidedCountStatement,
        ScratchWorld.copiedEstablishments, ScratchWorld.recordedEstablishmentsStatement,
        // ServerRole
        ServerRole.readOnly, ServerRole.replayLagStatement,
        // StatisticsStore
        StatisticsStore.dailyStatement,
    ]
}

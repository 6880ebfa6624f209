-- 0018 gave absconded workers their last employer from their final absence reports, but not
-- workers already removed (three months after an expired permit, or freed by a malicious
-- report found) nor absconded workers whose report left no establishment: without it, their
-- own final exit request (issued against the last employer) was refused for good. Their
-- newest permit names the establishment they were last employed by.
UPDATE workers w
SET last_establishment_id = (
    SELECT p.establishment_id FROM permits p WHERE p.worker_id = w.id ORDER BY p.updated_at DESC LIMIT 1
)
WHERE w.employment IN ('removed', 'absconded') AND w.last_establishment_id IS NULL;

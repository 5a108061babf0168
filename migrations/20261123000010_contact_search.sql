-- Contains search through the trigram index under RLS.
--
-- LIKE is not a leakproof operator, so under row-level security PostgreSQL
-- evaluates it only after the policy and cannot drive the trigram index
-- with it: a rare term then scans the whole organization. This function
-- runs the index lookup with its owner's rights but is bound to the same
-- tenant the policy would use (app.tenant_id of the calling transaction),
-- so it can only ever return the caller's own contact ids — at most p_cap.
CREATE FUNCTION contact_search_hits(p_pattern text, p_cap integer)
RETURNS TABLE (id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT c.id FROM contacts c
    WHERE c.tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
      AND c.search_text LIKE p_pattern
    LIMIT p_cap
$$;
REVOKE ALL ON FUNCTION contact_search_hits(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION contact_search_hits(text, integer) TO clearview_app;

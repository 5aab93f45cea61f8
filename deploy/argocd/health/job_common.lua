-- Shared by the FlinkDeployment and FlinkSessionJob health scripts. An ArgoCD health
-- script is one standalone chunk, so weir puts this in front of each (argocd.Script, and
-- the generated argocd-cm-health.yaml).

-- status.error holds FKO's exception JSON; show its message, shortened.
local function errorMessage(e)
  local m = string.match(e, '"message"%s*:%s*"(.-)"%s*[,}]') or e
  if string.len(m) > 300 then
    m = string.sub(m, 1, 300) .. "..."
  end
  return m
end

-- failedMessage says a job failed, with the operator's summary of Flink's exception when
-- status.error holds one.
local function failedMessage(err)
  if err == nil or err == "" then
    return "Job failed"
  end
  local m = errorMessage(err)
  if string.sub(m, 1, 11) == "Job failed:" then
    return m -- the operator's own summary of Flink's exception
  end
  return "Job failed: " .. m
end

-- specHealth is what both kinds say before their own states: no status yet, a rejected
-- spec (the last valid one keeps running), a generation the operator has not taken. nil
-- when none of these holds.
local function specHealth(o)
  local st = o.status
  if st == nil then
    return {status = "Progressing", message = "Waiting for the operator"}
  end
  local err = st.error
  if err ~= nil and err ~= "" and string.find(err, "ValidationException", 1, true) then
    return {status = "Degraded", message = "Spec rejected, the last valid spec keeps running: " .. errorMessage(err)}
  end
  local gen = o.metadata.generation
  if gen ~= nil and (st.observedGeneration == nil or st.observedGeneration < gen) then
    return {status = "Progressing", message = "Spec generation " .. gen .. " not yet taken by the operator"}
  end
  return nil
end

-- ArgoCD health of a FlinkDeployment run by weir (or FKO: same status fields).
-- Unlike ArgoCD's built-in script, a failed job, a rejected spec and a rollback are
-- Degraded, and a suspended job is Suspended.
-- errorMessage, failedMessage and specHealth come from job_common.lua.
local pre = specHealth(obj)
if pre ~= nil then
  return pre
end
local hs = {status = "Progressing", message = "Waiting for the operator"}
local st = obj.status
local err = st.error

local lifecycle = st.lifecycleState or ""
local job = ""
if st.jobStatus ~= nil and st.jobStatus.state ~= nil then
  job = st.jobStatus.state
end
local application = obj.spec ~= nil and obj.spec.job ~= nil

if lifecycle == "SUSPENDED" then
  hs.status = "Suspended"
  hs.message = "Job suspended"
  local sp = st.jobStatus and st.jobStatus.upgradeSavepointPath
  if sp ~= nil and sp ~= "" then
    hs.message = "Job suspended; its state is in " .. sp
  end
  return hs
end
if lifecycle == "FAILED" or job == "FAILED" then
  hs.status = "Degraded"
  hs.message = failedMessage(err)
  return hs
end
if lifecycle == "ROLLED_BACK" then
  hs.status = "Degraded"
  hs.message = "Upgrade rolled back: the last stable spec runs, the new spec failed"
  if err ~= nil and err ~= "" then
    hs.message = hs.message .. ": " .. errorMessage(err)
  end
  return hs
end
if lifecycle == "STABLE" then
  if not application then
    hs.status = "Healthy"
    hs.message = "Session cluster ready"
    return hs
  end
  if job == "RUNNING" then
    hs.status = "Healthy"
    hs.message = "Job running"
    return hs
  end
  if job == "FINISHED" then
    hs.status = "Healthy"
    hs.message = "Job finished"
    return hs
  end
  if job == "RESTARTING" or job == "FAILING" then
    hs.status = "Degraded"
    hs.message = "Job is " .. job .. " (failing over)"
    return hs
  end
end
if lifecycle == "UPGRADING" then
  hs.message = "Upgrading"
elseif lifecycle == "ROLLING_BACK" then
  hs.message = "Rolling back to the last stable spec"
elseif lifecycle == "DELETING" then
  hs.message = "Deleting"
elseif lifecycle == "DEPLOYED" or lifecycle == "STABLE" then
  hs.message = "Deployed, waiting for the job (" .. (job ~= "" and job or "no state yet") .. ")"
elseif lifecycle == "CREATED" then
  hs.message = "Created, not yet deployed"
end
if err ~= nil and err ~= "" then
  hs.message = hs.message .. "; last error: " .. errorMessage(err)
end
return hs

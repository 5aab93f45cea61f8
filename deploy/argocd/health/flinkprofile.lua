-- ArgoCD health of a weir FlinkProfile: Degraded while it is invalid (its apps keep their
-- last valid effective spec), Progressing until the operator has read its generation.
local hs = {status = "Progressing", message = "Waiting for the operator"}
local st = obj.status
if st == nil then
  return hs
end
if st.error ~= nil and st.error ~= "" then
  hs.status = "Degraded"
  hs.message = "Profile invalid, its apps keep their last valid spec: " .. st.error
  return hs
end
local gen = obj.metadata.generation
if gen ~= nil and (st.observedGeneration == nil or st.observedGeneration < gen) then
  hs.message = "Profile generation " .. gen .. " not yet read by the operator"
  return hs
end
hs.status = "Healthy"
hs.message = "Profile valid"
return hs

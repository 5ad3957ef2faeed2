// Filter the groups index and sections by text (address, VRID, state).
(function () {
  var input = document.getElementById("filter");
  if (!input) { return; }
  input.addEventListener("input", function () {
    var q = input.value.trim().toLowerCase();
    document.querySelectorAll("table.index tr[data-anchor]").forEach(function (tr) {
      var show = q === "" || tr.textContent.toLowerCase().indexOf(q) >= 0;
      tr.classList.toggle("hidden", !show);
      var sec = document.getElementById(tr.getAttribute("data-anchor"));
      if (sec) { sec.classList.toggle("hidden", !show); }
    });
  });
})();

// A stand-in for a router: a new URL, a new title and new Open Graph tags. Nothing here knows
// about WeChat; the script tag's auto mode sees the change and applies the new card.
let day = 1;
document.getElementById('next').addEventListener('click', () => {
  day += 1;
  history.pushState(null, '', `/auto/day/${day}`);
  document.title = `Day ${day} · wechat-share auto mode`;
  document.getElementById('heading').textContent = `Spring journal, day ${day}`;
  document.querySelector('meta[property="og:title"]').setAttribute('content', `Spring journal, day ${day}`);
});

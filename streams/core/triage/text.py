"""Text normalisation shared by lexicons, patterns, facts and the classifier.

One normal form everywhere means a lexicon term matches exactly when the same words appear in
a report: case-folded, accents and Arabic diacritics removed, Arabic letter variants and
full-width forms unified, frequent traditional Chinese characters simplified, Arabic-Indic digits
turned into ASCII digits.
"""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"\w+")
# Scripts written without spaces (CJK), with attached clitics (Arabic), and emoji: their lexicon
# terms are matched as substrings, not as whole tokens.
SUBSTRING_SCRIPT = re.compile(r"[\u0600-\u06ff\u3400-\u9fff\uf900-\ufaff\u2600-\u27bf\U0001f300-\U0001faff]")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
ARABIC = re.compile(r"[\u0600-\u06ff]")
_COMBINING = re.compile(r"[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
# Frequent traditional Chinese characters and their simplified forms: reports come in both
# scripts ("帳號被盜", "账号被盗"), lexicon terms and classifier features see one.
_TRADITIONAL = (
    "開約會這個說們來對時發愛殺槍彈車學國歲媽號帳盜騙錢買賣視頻圖傳裡裏後從還讓給點電話網絡絲關應該過為麼"
    "樣嗎與邊實現當問題體頭臉兒親戀脫燒殘傷療藥醫歡覺聽記錄認識變態戲場準備氣隻貓鳥動壞罵醜級師長門樓層橋"
    "繩結請幫處報導聞論評陰險誰掛種業務員幾張將啟搶綁屍撃擊監護鎖碼證註冊訊詐轉銀費貨優獎領黃屬謝讀寫畫爺"
    "孫間閨紅戶髒沖衝鬧罰辦擔憂慮嚇誘脅覽節顯瀏線連鏈議憶聯繫濫竊攝裝廣園區縣鄉鎮灣歸猶難異劃刪壓絕劑農帶"
    "畢禮則無書東見頁飛馬魚麵黨齡齊兩豬雞鴨鵝蟲熱燈爐牆獄獸產癡盡眾確禍稱穩窮競筆簡紀細終組統經維綠緊總練"
    "縮績罷職膽膚臨舊藝蘭虧蝦術衛補製複規觀計訓託設許診詞試詩詳語誤調談諾謀貝負貢財責貧貪貴貼資賊賠賞賭賺"
    "購趕趙跡軍軟較輕輛輸遊運遠適遲選遺鄰釋針釣鈴鉛銷鋪錯鍵鐘鐵閃閉閒閱闆陣陳陸陽隊際隨隱雖雙雜離雲靈靜韓"
    "頂項順須預顏願類顧風飯飲養餓館驗騎騷驚髮鬥鬱魯鮮麗夠蠟燭儘參滿漢潔濕災鬆營壯擁擾攤敵獨納紙"
)
_SIMPLIFIED = (
    "开约会这个说们来对时发爱杀枪弹车学国岁妈号账盗骗钱买卖视频图传里里后从还让给点电话网络丝关应该过为么"
    "样吗与边实现当问题体头脸儿亲恋脱烧残伤疗药医欢觉听记录认识变态戏场准备气只猫鸟动坏骂丑级师长门楼层桥"
    "绳结请帮处报导闻论评阴险谁挂种业务员几张将启抢绑尸击击监护锁码证注册讯诈转银费货优奖领黄属谢读写画爷"
    "孙间闺红户脏冲冲闹罚办担忧虑吓诱胁览节显浏线连链议忆联系滥窃摄装广园区县乡镇湾归犹难异划删压绝剂农带"
    "毕礼则无书东见页飞马鱼面党龄齐两猪鸡鸭鹅虫热灯炉墙狱兽产痴尽众确祸称稳穷竞笔简纪细终组统经维绿紧总练"
    "缩绩罢职胆肤临旧艺兰亏虾术卫补制复规观计训托设许诊词试诗详语误调谈诺谋贝负贡财责贫贪贵贴资贼赔赏赌赚"
    "购赶赵迹军软较轻辆输游运远适迟选遗邻释针钓铃铅销铺错键钟铁闪闭闲阅板阵陈陆阳队际随隐虽双杂离云灵静韩"
    "顶项顺须预颜愿类顾风饭饮养饿馆验骑骚惊发斗郁鲁鲜丽够蜡烛尽参满汉洁湿灾松营壮拥扰摊敌独纳纸"
)
_UNIFY = str.maketrans(
    {
        **dict(zip(_TRADITIONAL, _SIMPLIFIED)),
        "ى": "ي",
        "ة": "ه",
        "ـ": None,  # tatweel, a stretching stroke
        "’": "'",
        "‘": "'",
        "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4",
        "٥": "5", "٦": "6", "٧": "7", "٨": "8", "٩": "9",
        "۰": "0", "۱": "1", "۲": "2", "۳": "3", "۴": "4",
        "۵": "5", "۶": "6", "۷": "7", "۸": "8", "۹": "9",
    }
)
# Leetspeak inside words ("k1ll", "su1c1de"); applied only to the lexicon view of a text.
_LEET_NEAR_LETTER = re.compile(r"[a-z][013457@$]|[013457@$][a-z]")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_WORD = re.compile(r"\b\w*[a-z]\w*[013457@$][\w@$]*|\b[\w@$]*[013457@$]\w*[a-z]\w*")
# Letters spelled out with separators ("k i l l", "s.u.i.c.i.d.e").
_SPACED_LETTERS = re.compile(r"\b(?:[^\W\d_][ .*_-]){2,}[^\W\d_]\b")
_SEPARATORS = re.compile(r"[ .*_-]")


def normalize(text: str) -> str:
    """The normal form every matcher sees: see the module docstring."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    folded = unicodedata.normalize("NFKD", folded)
    return _COMBINING.sub("", folded).translate(_UNIFY)


_LEET_CHARS = frozenset("013457@$")

_OBFUSCATED = re.compile(_LEET_NEAR_LETTER.pattern + "|" + _SPACED_LETTERS.pattern)


def lexicon_view(norm: str, words: list[str] | None = None) -> str:
    """`norm` with obfuscations undone: leet digits inside words, spaced-out letters. `words`,
    the tokens of `norm` if known, let most reports skip the regular expressions: spaced-out
    letters are three or more one-letter tokens in a row (or contain "_", a word character)."""
    if _LEET_CHARS.isdisjoint(norm):
        if words is not None and not _three_letters_in_a_row(words) and "_" not in norm:
            return norm
        if not _SPACED_LETTERS.search(norm):
            return norm
    elif not _OBFUSCATED.search(norm):
        return norm
    if _LEET_NEAR_LETTER.search(norm):
        norm = _LEET_WORD.sub(lambda m: m.group().translate(_LEET), norm)
    if _SPACED_LETTERS.search(norm):
        norm = _SPACED_LETTERS.sub(lambda m: _SEPARATORS.sub("", m.group()), norm)
    return norm


# ASCII word characters kept, every other byte a space: splitting that is WORD.findall for
# ASCII text at half the cost (most reports are ASCII once normalised).
_ASCII_WORDS = bytes(c if chr(c).isascii() and (chr(c).isalnum() or c == ord("_")) else 32 for c in range(256))


def _three_letters_in_a_row(words: list[str]) -> bool:
    run = 0
    for word in words:
        run = run + 1 if len(word) == 1 else 0
        if run == 3:
            return True
    return False


def tokens(norm: str) -> list[str]:
    if norm.isascii():
        return norm.encode().translate(_ASCII_WORDS).decode().split()
    return WORD.findall(norm)
